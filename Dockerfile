# Tempora: build the jar with the Maven wrapper, run it on a JRE as a non-root user.
#   docker build -t tempora .
#   docker run -p 8080:8080 -v tempora-data:/app/data tempora
# Any Spring property can be given as an environment variable (SERVER_PORT, SPRING_DATASOURCE_URL,
# TEMPORA_POOLS_DEFAULT_SIZE, ...) or as a --name=value argument after the image name; the port
# only as SERVER_PORT, which the HEALTHCHECK below reads.

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
    && cp target/tempora-*.jar /build/tempora.jar \
    && java -Djarmode=tools -jar /build/tempora.jar extract --layers --destination /build/extracted


FROM eclipse-temurin:25-jre
RUN groupadd --gid 10001 tempora \
    && useradd --uid 10001 --gid tempora --no-log-init --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin tempora \
    && mkdir -p /app/data \
    && chown tempora:tempora /app/data
WORKDIR /app
# The jar extracted, libraries first: they stay in their own layer across builds of Tempora (the
# AOT cache below, about 115 MB, is made again by every build).
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./

# The JVM's AOT cache (JEP 514): a training run loads and links the classes that starting needs,
# then exits once the application context is up, and the cache holds them ready. With the same
# JVM and options at run time, the service starts in 7-8 s instead of 9.5-10 on 2 cores. It trains
# on an in-memory H2 database with a placeholder webhook secret, so nothing is written to /app/data
# and no secret is made (on PostgreSQL, its driver's classes load as usual, from outside the
# cache); a JVM that cannot use the cache (other options) says so in the log and starts without it.
RUN java -XX:+UseZGC -XX:AOTCacheOutput=/app/tempora.aot -Dspring.context.exit=onRefresh \
        -jar /app/tempora.jar --logging.level.root=WARN --spring.datasource.url=jdbc:h2:mem:training \
        --tempora.webhooks.secret=whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

# The embedded H2 database lives in ./data, relative to the working directory.
VOLUME /app/data
USER 10001:10001
EXPOSE 8080

# The Temurin JRE image has neither curl nor wget, so the probe is bash's own /dev/tcp: healthy
# when /actuator/health answers 200 (UP), on the port SERVER_PORT names. Podman and Buildah keep
# HEALTHCHECK only in Docker-format images: build with --format docker (or BUILDAH_FORMAT=docker).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD bash -c 'exec 3<>"/dev/tcp/127.0.0.1/${SERVER_PORT:-8080}" \
        && printf "GET /actuator/health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 \
        && head -n 1 <&3 | grep -q " 200 "' || exit 1

ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=75", "-XX:AOTCache=/app/tempora.aot", \
            "-jar", "/app/tempora.jar"]
