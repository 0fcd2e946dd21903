# Image for the zroute operator (control plane, injection webhook, status, scaling hints).
# Build from the repository root: docker build -f docker/operator.Dockerfile .

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
 && cmake --build /build --parallel "$(nproc)" --target zroute-operator \
 && bin="$(find /build -type f -name zroute-operator -perm -u+x)" \
 && test -n "$bin" \
 && install -D -m 0755 -s "$bin" /out/zroute-operator

FROM debian:bookworm-slim
# Runtime libraries only; apt brings their own dependencies (libsodium, libbrotli, zlib, ...).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libzmq5 libyaml-cpp0.7 libprometheus-cpp-core1.0 libcpp-httplib0.11 libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/zroute-operator /usr/local/bin/zroute-operator
# Fail the image build, not the pod, when a shared library is missing.
RUN ! ldd /usr/local/bin/zroute-operator | grep 'not found'

USER 65532:65532
ENTRYPOINT ["/usr/local/bin/zroute-operator"]
