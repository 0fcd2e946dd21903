# Image for the zroute sidecar (publish API, outbox, ZeroMQ links, delivery).
# Build from the repository root: docker build -f docker/sidecar.Dockerfile .

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libzmq3-dev cppzmq-dev libcpp-httplib-dev prometheus-cpp-dev libyaml-cpp-dev \
      nlohmann-json3-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the build reads (the top-level CMakeLists.txt adds these folders; tests are off).
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY common/ common/
COPY sidecar/ sidecar/
COPY operator/ operator/
COPY examples/ examples/
COPY bench/ bench/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DZROUTE_BUILD_TESTS=OFF \
 && cmake --build /build --parallel "$(nproc)" --target zroute-sidecar \
 && bin="$(find /build -type f -name zroute-sidecar -perm -u+x)" \
 && test -n "$bin" \
 && install -D -m 0755 -s "$bin" /out/zroute-sidecar

FROM debian:bookworm-slim
# Runtime libraries only; apt brings their own dependencies (libsodium, libbrotli, zlib, ...).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libzmq5 libyaml-cpp0.7 libprometheus-cpp-core1.0 libcpp-httplib0.11 libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/zroute-sidecar /usr/local/bin/zroute-sidecar
# Fail the image build, not the pod, when a shared library is missing.
RUN ! ldd /usr/local/bin/zroute-sidecar | grep 'not found'

# The outbox and routing-table cache live on a volume the injected pod spec mounts here; the
# image itself is never written to (readOnlyRootFilesystem).
RUN install -d -o 65532 -g 65532 -m 0750 /var/lib/zroute

USER 65532:65532
ENTRYPOINT ["/usr/local/bin/zroute-sidecar"]
