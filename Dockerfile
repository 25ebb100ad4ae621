# The pg-invariants container image (docs/install.md): Debian, the PostgreSQL server binaries
# and pg-invariants, run as the non-root user `postgres`, on the project mounted at /project:
#
#   docker run --rm -v "$PWD:/project:ro" pg-invariants test
#
# The build context is the directory of a release archive (ci/release-build):
#
#   tar -xzf target/dist/pg-invariants-<version>-x86_64-unknown-linux-gnu.tar.gz -C /tmp
#   docker build -t pg-invariants -f Dockerfile /tmp/pg-invariants-<version>-x86_64-unknown-linux-gnu
#
# BASE is an image of the official `postgres` kind: Debian (bookworm: the glibc the release
# binary is built against), the server binaries of one major version on PATH, and a `postgres`
# user whose home is writable (the cache of migrated clusters lives there). CI, which reaches no
# registry, passes the image ci/postgres-image assembles from this machine's server.
ARG BASE=postgres:17-bookworm
FROM ${BASE}

COPY pg-invariants /usr/local/bin/pg-invariants
COPY README.md LICENSE-MIT LICENSE-APACHE /usr/share/doc/pg-invariants/

# The local backend: initdb and postgres run as this user, never as root.
USER postgres
WORKDIR /project
ENTRYPOINT ["pg-invariants"]
CMD ["test"]
