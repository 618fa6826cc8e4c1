package dev.moesaic.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The command: moesaic generate --model stories260K.bin --tokenizer tok512.bin --prompt-ids 1 ... --json. */
class GenerateCommandTest {
    @Test
    void printsTheGoldenStoryAsOneJsonObject() {
        String models = Fixtures.model("stories260K").toString();
        JsonNode out = run("--model", models + "/stories260K.bin", "--tokenizer", models + "/tok512.bin", "--prompt-ids", "1",
                "--max-tokens", "40", "--temperature", "0", "--json");
        JsonNode golden = new ObjectMapper().readTree(Fixtures.model("stories260K/golden.json").toFile());
        int[] fromBos = Golden.ints(golden.get("greedy_from_BOS_60")); // BOS, then llama2.c's greedy ids
        assertThat(Golden.ints(out.get("prompt_ids"))).containsExactly(1);
        assertThat(Golden.ints(out.get("ids"))).containsExactly(Arrays.copyOfRange(fromBos, 1, 41));
        assertThat(out.get("text").asString()).startsWith("Once upon a time, there was a little girl named Lily. She loved to play "
                + "outside in the park.");
        assertThat(out.size()).isEqualTo(3);
    }

    @Test
    void theSameOutputOnSeveralDevices() {
        String model = Fixtures.model("gguf/tiny-qwen3moe.gguf").toString();
        JsonNode one = run("--model", model, "--prompt", "Once upon a time", "--max-tokens", "24", "--temperature", "0", "--json");
        JsonNode three = run("--model", model, "--prompt", "Once upon a time", "--max-tokens", "24", "--temperature", "0", "--devices", "3",
                "--json");
        assertThat(three.get("ids")).isEqualTo(one.get("ids"));
    }

    @Test
    void badArgumentsAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = GenerateCommand.run(new String[] {"--prompt", "x", "--max-tokens", "many"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--max-tokens must be an integer");
    }

    private static JsonNode run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = GenerateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as("exit status; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }
}
