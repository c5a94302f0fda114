package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.agentorchestrator.core.config.OrchestratorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Docker kit without a Docker engine: the compose file parses and agrees with the README's
 * table, and the Dockerfile builds and runs the very jar the README does.
 */
class DeploymentKitTest {

    private JsonNode compose;
    private String readme;
    private String kitSection;
    private String dockerfile;

    @BeforeEach
    void read() throws Exception {
        compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docker-compose.yml").toFile());
        readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## Deployment kit");
        assertThat(start).as("README section 'Deployment kit'").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        kitSection = readme.substring(start, end < 0 ? readme.length() : end);
        dockerfile = Files.readString(Path.of("Dockerfile"));
    }

    private Map<String, JsonNode> services() {
        Map<String, JsonNode> services = new LinkedHashMap<>();
        compose.get("services").fields().forEachRemaining(e -> services.put(e.getKey(), e.getValue()));
        return services;
    }

    /** The README table's rows: service -> cells. */
    private Map<String, List<String>> readmeRows() {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String line : kitSection.lines().toList()) {
            Matcher m = Pattern.compile("^\\| `([a-z]+)` \\|(.*)\\|$").matcher(line);
            if (m.matches()) {
                rows.put(m.group(1), List.of(m.group(2).split("\\|")));
            }
        }
        return rows;
    }

    @Test
    void theComposeFileHasTheBrokersTheMonitoringStackAndTheRunner() {
        assertThat(services().keySet()).containsExactlyInAnyOrder("redis", "rabbitmq", "kafka", "runner", "prometheus", "grafana");
        JsonNode kafka = services().get("kafka").get("environment");
        assertThat(kafka.get("KAFKA_PROCESS_ROLES").asText()).as("KRaft: broker and controller in one node").isEqualTo("broker,controller");
        assertThat(services().keySet()).noneMatch(name -> name.contains("zookeeper"));
        assertThat(services().get("runner").get("build").get("dockerfile").asText()).isEqualTo("orchestrator-examples/Dockerfile");
        assertThat(services().get("runner").get("build").get("context").asText()).isEqualTo("..");
    }

    @Test
    void theComposeFileNamesOnlyTheImagesAndPortsTheReadmeDocumentsAndViceVersa() {
        Map<String, List<String>> rows = readmeRows();
        assertThat(rows.keySet()).as("README table rows").containsExactlyInAnyOrderElementsOf(services().keySet());
        for (Map.Entry<String, JsonNode> e : services().entrySet()) {
            List<String> cells = rows.get(e.getKey());
            String imageCell = cells.get(0);
            if (e.getValue().has("image")) {
                assertThat(imageCell).as("image of %s", e.getKey()).isEqualTo(" `" + e.getValue().get("image").asText() + "` ");
            } else {
                assertThat(imageCell).as("%s is built", e.getKey()).contains("built from `orchestrator-examples/Dockerfile`");
            }
            List<String> published = new ArrayList<>();
            e.getValue().path("ports").forEach(p -> published.add(p.asText().split(":")[0]));
            List<String> documented = new ArrayList<>();
            Matcher port = Pattern.compile("\\b(\\d{4,5})\\b").matcher(cells.get(1));
            while (port.find()) {
                documented.add(port.group(1));
            }
            assertThat(published).as("ports of %s", e.getKey()).containsExactlyInAnyOrderElementsOf(documented);
        }
    }

    @Test
    void theKafkaImageIsTheVersionTheTestsRunAgainst() throws Exception {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher version = Pattern.compile("<kafka.version>([^<]+)</kafka.version>").matcher(pom);
        assertThat(version.find()).isTrue();
        assertThat(services().get("kafka").get("image").asText()).isEqualTo("apache/kafka:" + version.group(1));
    }

    @Test
    void theRunnerIsConfiguredWithKeysTheOrchestratorKnows() {
        Map<String, String> env = new LinkedHashMap<>();
        services().get("runner").get("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        assertThat(env).isNotEmpty();
        // Unknown ORCHESTRATOR_* keys would throw here.
        OrchestratorConfig config = OrchestratorConfig.load(env, new Properties(), null);
        assertThat(config.values()).hasSameSizeAs(env);
        // The runner has broker transports, so it must configure security or opt out explicitly, or it would not start.
        assertThat(config.security()).as("security of the runner").hasValueSatisfying(s -> assertThat(s.insecureReason()).isPresent());
        String target = services().get("runner").get("ports").get(0).asText().split(":")[1];
        assertThat(services().get("runner").get("command").toString()).contains("\"--prometheus-port\",\"" + target + "\"");
    }

    @Test
    void theMountedKitFilesExistAndPrometheusScrapesTheRunner() throws Exception {
        for (String service : List.of("prometheus", "grafana")) {
            for (JsonNode volume : services().get(service).get("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./deploy/")) {
                    assertThat(Path.of(source)).as("mounted by %s", service).exists();
                }
            }
        }
        assertThat(Files.readString(Path.of("deploy", "prometheus.yml"))).contains("\"runner:9464\"");
    }

    @Test
    void theDockerfileBuildsAndRunsTheJarTheReadmeRuns() {
        Matcher run = Pattern.compile("(?m)^(mvn [^&\\n]+?) && java -jar (\\S+)$").matcher(readme);
        assertThat(run.find()).as("README 'Run it' command").isTrue();
        String build = run.group(1).trim();
        String jar = run.group(2);
        assertThat(Pattern.compile("(?m)^FROM ").matcher(dockerfile).results().count()).as("stages").isGreaterThanOrEqualTo(2);
        assertThat(dockerfile).containsPattern("(?m)^RUN .*" + Pattern.quote(build) + "$");
        Matcher copy = Pattern.compile("(?m)^COPY --from=build /src/(\\S+) (\\S+)$").matcher(dockerfile);
        assertThat(copy.find()).isTrue();
        assertThat(copy.group(1)).isEqualTo(jar);
        assertThat(dockerfile).contains("ENTRYPOINT [\"java\", \"-jar\", \"" + copy.group(2) + "\"]");
        assertThat(kitSection).contains(build).contains(jar);
    }
}
