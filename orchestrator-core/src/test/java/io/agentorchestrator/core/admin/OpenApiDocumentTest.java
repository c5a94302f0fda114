package io.agentorchestrator.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.core.Orchestrator;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code openapi.yaml} describes exactly the routes the admin API answers, and every route's answers. */
class OpenApiDocumentTest {

    private static final Pattern PATH = Pattern.compile("^  (/\\S*):\\s*$");
    private static final Pattern METHOD = Pattern.compile("^    (get|put|post|delete|patch|options|head):\\s*$");
    private static final Set<String> DOCUMENTED_STATUSES_FOR_ADMIN_ROUTES = Set.of("401", "403");

    private static String document() throws Exception {
        try (InputStream in = AdminApi.class.getResourceAsStream("/io/agentorchestrator/core/admin/openapi.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** "METHOD /path" for each operation under {@code paths:}, read from the document's two fixed indent levels. */
    private static List<String> operations(String yaml) {
        List<String> ops = new ArrayList<>();
        boolean inPaths = false;
        String path = null;
        for (String line : yaml.split("\n")) {
            if (!line.startsWith(" ")) {
                inPaths = line.startsWith("paths:");
                continue;
            }
            if (!inPaths) {
                continue;
            }
            Matcher p = PATH.matcher(line);
            if (p.matches()) {
                path = p.group(1);
                continue;
            }
            Matcher m = METHOD.matcher(line);
            if (m.matches()) {
                ops.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + path);
            }
        }
        return ops;
    }

    @Test
    void theDocumentDescribesExactlyTheRealRoutes() throws Exception {
        try (Orchestrator orchestrator = Orchestrator.builder().transport("inproc:").build();
                AdminApi api = AdminApi.create(orchestrator, AdminServerConfig.builder().token(AdminServerTest.ADMIN, AdminRole.ADMIN).build())) {
            List<String> documented = operations(document());
            assertThat(documented).doesNotHaveDuplicates().hasSizeGreaterThan(15);
            assertThat(documented).containsExactlyInAnyOrderElementsOf(api.routes());
        }
    }

    @Test
    void everyRouteThatChangesStateDocumentsItsAuthAnswers() throws Exception {
        String yaml = document();
        for (String op : List.of("post:\n      summary: Registers", "delete:\n      summary: Deregisters", "put:\n      summary: Sets an agent")) {
            int at = yaml.indexOf(op);
            assertThat(at).as(op).isPositive();
            int end = yaml.indexOf("\n  /", at);
            String section = yaml.substring(at, end < 0 ? yaml.length() : end);
            for (String status : DOCUMENTED_STATUSES_FOR_ADMIN_ROUTES) {
                assertThat(section).as("%s documents %s", op, status).contains("\"" + status + "\":");
            }
        }
    }
}
