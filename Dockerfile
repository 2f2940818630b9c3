# syntax=docker/dockerfile:1
#
# One image for every process of PATT Guild Sync; docker-compose.yml picks the entry point:
#   node dist/scripts/migrate.js | dist/workers/main.js | dist/api/main.js | dist/gateway/main.js
# No secrets are baked in: configuration comes from the environment at run time (config/index.ts).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, TypeScript -> dist/, prebuilt Temporal workflow bundle ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# npm 10 in this image ignores package.json "allowScripts" and runs every install script; this
# turns off the one that reports install analytics (@scarf/scarf, denied in allowScripts).
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Code stays root-owned and read-only for the app; only its data directory is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
ENV NODE_ENV=production
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
