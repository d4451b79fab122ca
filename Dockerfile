# Build: docker build -t techmatch .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin techmatch

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/techmatch techmatch
COPY --from=build /src/target/release/techmatch /usr/local/bin/techmatch
# Beside the binary, backtraces also show our inlined functions (docs/performance.md).
COPY --from=build /src/target/release/techmatch.dwp /usr/local/bin/techmatch.dwp
COPY config /etc/techmatch/config
WORKDIR /var/lib/techmatch
USER techmatch
ENV TECHMATCH_ENV=production \
    TECHMATCH_CONFIG_DIR=/etc/techmatch/config
EXPOSE 8080
CMD ["techmatch", "serve"]
