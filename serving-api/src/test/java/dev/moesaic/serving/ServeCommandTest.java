package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.cli.CliArgs;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
    @Test
    void optionsBecomeSpringPropertiesAndPropertiesPassThrough() {
        String[] spring = ServeCommand.springArgs(new String[] {"--model", "builtin:bench", "--port=0", "--devices", "1",
                "--api-keys", "a,b", "--server.shutdown=immediate", "--moesaic.max-n=4"});
        assertThat(spring).containsExactlyInAnyOrder("--moesaic.model=builtin:bench", "--server.port=0", "--moesaic.devices=1",
                "--moesaic.api-keys=a,b", "--server.shutdown=immediate", "--moesaic.max-n=4");
        assertThat(ServeCommand.springArgs(new String[] {"--help"})).isNull();
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertThatThrownBy(() -> ServeCommand.springArgs(new String[] {"--modle", "x"}))
                .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("--modle");
        assertThatThrownBy(() -> ServeCommand.springArgs(new String[] {"--port"}))
                .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("needs a value");
    }
}
