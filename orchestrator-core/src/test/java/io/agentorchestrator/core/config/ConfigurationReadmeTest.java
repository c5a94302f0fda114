package io.agentorchestrator.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's key table is the code's: regenerate it with {@link OrchestratorConfig#markdownTable()} when a key changes. */
class ConfigurationReadmeTest {

    @Test
    void theReadmeListsEveryKeyExactlyAsTheCodeDefinesIt() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"));
        assertThat(section).as("README.md, section Configuration; the expected table is printed below")
                .contains(OrchestratorConfig.markdownTable());
    }
}
