# TransferKit worker image: the `transferkit` CLI on Node 20, for `transferkit extract --shard auto` pods
# (docs/scale-out.md) and any other command. CPU by default; `--target gpu` adds ONNX Runtime's CUDA 12
# libraries on an NVIDIA CUDA + cuDNN base (for plan-job --gpu, which runs extract with --device cuda).
#
#   docker build -t transferkit:0.1.0 .
#   docker build --target gpu -t transferkit:0.1.0-gpu .
#
# Both run as uid 1000; plan-job's pods set fsGroup 1000 so that they can write the mounted cache claim.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# `npm ci` runs `prepare`, which compiles dist/. .npmrc skips ONNX Runtime's CUDA download here.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# CUDA 12 + cuDNN 9 runtime libraries, which ONNX Runtime's CUDA provider loads; Node from the build image.
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS gpu
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install
RUN ln -s /app/dist/cli/main.js /usr/local/bin/transferkit
ENV TRANSFERKIT_CACHE=/cache/transferkit CI=true NO_COLOR=1 HOME=/tmp
USER 1000
ENTRYPOINT ["transferkit"]
CMD ["--help"]

# The default (last) target.
FROM node:20-bookworm-slim AS cpu
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/cli/main.js /usr/local/bin/transferkit
# The shared cache is the mounted claim; the Hugging Face download cache stays in the pod unless HF_HOME moves it.
ENV TRANSFERKIT_CACHE=/cache/transferkit CI=true NO_COLOR=1
USER node
ENTRYPOINT ["transferkit"]
CMD ["--help"]
