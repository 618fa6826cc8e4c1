package dev.moesaic.engine.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** A {@code <model>.golden.json} file written by llama.cpp (see ../shared/models/README.md). */
public record Golden(List<Prompt> prompts, JsonNode root) {

    /** One prompt's reference outputs. */
    public record Prompt(int[] promptIds, float[] lastLogits, int[][] top10Ids, float[][] top10Logits,
                         int[] greedyIds, int[][] greedyTop5Ids, float[][] greedyTop5Logits, String greedyText) {
    }

    public static Golden read(Path path) {
        JsonNode root = new ObjectMapper().readTree(path.toFile());
        List<Prompt> prompts = new ArrayList<>();
        for (JsonNode p : root.get("prompts")) {
            int[][][] top = pairs(p.get("top10_per_position"));
            int[][][] g5 = pairs(p.get("greedy_top5_per_step"));
            prompts.add(new Prompt(ints(p.get("prompt_ids")), floats(p.get("last_logits")), top[0], logits(p.get("top10_per_position")),
                    ints(p.get("greedy_ids")), g5[0], logits(p.get("greedy_top5_per_step")), p.get("greedy_text").asString()));
        }
        return new Golden(prompts, root);
    }

    public static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    public static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    /** [[id, logit] x n] per row -> ids. */
    private static int[][][] pairs(JsonNode rows) {
        int[][] ids = new int[rows.size()][];
        for (int r = 0; r < ids.length; r++) {
            JsonNode row = rows.get(r);
            ids[r] = new int[row.size()];
            for (int i = 0; i < row.size(); i++) {
                ids[r][i] = row.get(i).get(0).asInt();
            }
        }
        return new int[][][] {ids};
    }

    private static float[][] logits(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            out[r] = new float[row.size()];
            for (int i = 0; i < row.size(); i++) {
                out[r][i] = (float) row.get(i).get(1).asDouble();
            }
        }
        return out;
    }
}
