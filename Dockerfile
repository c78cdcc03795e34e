# Tempora: build the jar with the Maven wrapper, run it on a JRE as a non-root user.
#   docker build -t tempora .
#   docker run -p 8080:8080 -v tempora-data:/app/data tempora
# Any Spring property can be given as an environment variable (SERVER_PORT, SPRING_DATASOURCE_URL,
# TEMPORA_POOLS_DEFAULT_SIZE, ...) or as a --name=value argument after the image name.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when the POM or the wrapper changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline

COPY src src
COPY db db
# Formatting is checked by ./mvnw verify in CI, not here.
RUN ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package \
    && cp target/tempora-*.jar /build/tempora.jar


FROM eclipse-temurin:25-jre
RUN groupadd --gid 10001 tempora \
    && useradd --uid 10001 --gid tempora --no-log-init --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin tempora \
    && mkdir -p /app/data \
    && chown tempora:tempora /app/data
WORKDIR /app
COPY --from=build /build/tempora.jar /app/tempora.jar

# The embedded H2 database lives in ./data, relative to the working directory.
VOLUME /app/data
USER 10001:10001
EXPOSE 8080

# Shell form, so that a port changed through SERVER_PORT is the one probed. Podman and Buildah
# keep HEALTHCHECK only in Docker-format images: build with --format docker (or BUILDAH_FORMAT=docker).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS "http://localhost:${SERVER_PORT:-8080}/actuator/health" >/dev/null || exit 1

ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/tempora.jar"]
