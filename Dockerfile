# The Trust Mesh node image: one image for full, light and bridge nodes (their settings pick the type).
# Two stages, so the runtime image holds neither a compiler nor the dev dependencies. See README "Deployment".
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary fits; node-gyp then needs Python, make and g++.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# The headers of this very Node, shipped in the image, instead of a download from nodejs.org.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Dependencies first, in their own layers, so a source change does not reinstall them. The package's own
# `prepare` (the build) needs the sources, so it runs below, after they are copied in.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
# tsconfig also includes test/ and bench/, which are not copied: only dist/src is built and shipped.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  TRUST_MESH_DATA_DIR=/data
WORKDIR /app
# What the npm package ships (package.json "files"), with the production dependencies built above.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
COPY networks ./networks
COPY scenarios ./scenarios
COPY src/api/explorer ./src/api/explorer
COPY deploy/docker/init-mesh.sh deploy/docker/healthcheck.mjs ./deploy/docker/
# Mount points owned by the unprivileged user: an empty named volume mounted here starts with this owner.
# /data is a node's data directory; /mesh holds the shared network file; /init is where the compose file's
# one-shot init service writes the three nodes' folders and the network file.
RUN mkdir -p /data /mesh /init/node-a /init/node-b /init/node-c /init/network \
  && chown -R node:node /data /mesh /init
# `trust-mesh` on the PATH, for `docker exec <container> trust-mesh status …`.
RUN ln -s /app/bin/trust-mesh.js /usr/local/bin/trust-mesh
USER node
VOLUME ["/data"]
# 8080: the mesh (ws://, or wss:// with --tls-cert); 8081: a bridge's HTTP API.
EXPOSE 8080 8081
# /healthz of the bridge API, or of a full or light node's admin port (see deploy/docker/healthcheck.mjs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
# trust-mesh runs as PID 1 and handles SIGTERM itself: it closes connections and storage and exits 0.
ENTRYPOINT ["node", "/app/bin/trust-mesh.js"]
CMD ["start"]
