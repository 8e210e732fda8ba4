# The storefront's image: apps/web built by Vite, served by an unprivileged nginx on port 3000 that also
# forwards /api, /.well-known and /docs to the gateway (same origin: no CORS, the refresh cookie stays
# first-party). podman build -f docker/web.Dockerfile -t shop/web:dev . (or docker build, the same arguments).
#
# The bases are build arguments, as in docker/Dockerfile: public images by default, local bases made from
# Debian's packages by docker/images.sh in CI. NODE_BUILD_IMAGE needs Node 24 with npm; NGINX_IMAGE any image
# with /usr/sbin/nginx, a shell and ldd (only its binary, its libraries and mime.types are taken); the
# run-time base only glibc: no shell, no package manager.
ARG NODE_BUILD_IMAGE=docker.io/library/node:24.12.0-bookworm@sha256:929c026d5a4e4a59685b3c1dbc1a8c3eb090aa95373d3a4fd668daa2493c8331
ARG NGINX_IMAGE=docker.io/library/nginx:1.28.0-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12@sha256:b7550f0b15838de14c564337eef2b804ba593ae55d81ca855421bd52f19bb480

# --- manifests: the package.json files and the lockfile (npm ci checks every workspace's against it).
FROM ${NODE_BUILD_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete && find . -type d -empty -delete

# --- build: only the web workspace's dependencies (Vite and React, not the services'), then vite build.
# With --network none, set NPM_CONFIG_OFFLINE=true and mount a filled npm cache at /npmcache (images.sh does).
FROM ${NODE_BUILD_IMAGE} AS build
ARG NPM_CONFIG_OFFLINE=false
ENV NPM_CONFIG_OFFLINE=${NPM_CONFIG_OFFLINE} NPM_CONFIG_CACHE=/npmcache NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --workspace=@shop/web --include-workspace-root=false --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.base.json ./
COPY apps/web ./apps/web
RUN npm run build -w @shop/web

# --- nginx: the binary and the shared libraries it loads (glibc's own come with the run-time base).
FROM ${NGINX_IMAGE} AS nginx
COPY docker/web/collect-nginx.sh /collect-nginx.sh
RUN sh /collect-nginx.sh /out

# --- runtime: nginx as uid 10001, writing only under /tmp (pid, temp files), logging to stdout/stderr.
FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="shop-web" \
  org.opencontainers.image.description="The storefront of the Black Friday shop: static files and the gateway on one origin" \
  org.opencontainers.image.licenses="MIT"
COPY --from=nginx /out /
COPY docker/web/nginx.conf /etc/nginx/nginx.conf
COPY docker/web/upstream.conf /etc/nginx/shop/upstream.conf
COPY apps/web/nginx.conf /etc/nginx/shop/web.conf
COPY --from=build /src/apps/web/dist /usr/share/nginx/html
USER 10001:10001
EXPOSE 3000
# SIGQUIT: nginx's graceful stop (finish the requests in flight, then exit); SIGTERM would cut them.
STOPSIGNAL SIGQUIT
# No HEALTHCHECK: the image has no HTTP client to run one; compose and Kubernetes probe GET /healthz.
ENTRYPOINT ["/usr/sbin/nginx", "-e", "stderr", "-c", "/etc/nginx/nginx.conf", "-g", "daemon off;"]
