# Palisade's host in a container. Untested here (this project's machines have no Docker daemon
# to build with); see README "Running several hosts". Multi-stage: the first stage builds the
# package exactly as `npm pack` does, the second installs only that tarball and its runtime
# dependencies, and runs as an unprivileged user.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The `node` devDependency would fetch a second Node; the image has Node 24 already.
RUN npm ci --ignore-scripts
COPY . .
RUN npm pack --pack-destination /out

FROM node:24-bookworm-slim
RUN useradd --system --create-home --home-dir /home/palisade palisade && mkdir /data && chown palisade /data
COPY --from=build /out/ /tmp/palisade/
RUN npm install --global --omit=dev /tmp/palisade/palisade-*.tgz && rm -rf /tmp/palisade /root/.npm
USER palisade
WORKDIR /home/palisade
EXPOSE 8181
# SQLite in /data unless PALISADE_DATABASE_URL names a PostgreSQL database.
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8181/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["palisade", "serve", "--host", "0.0.0.0", "--port", "8181", "--data", "/data"]
