package dev.moesaic.router.planner;

import java.util.Arrays;

/**
 * Which planned device becomes which real device so that the most experts stay where they are: a
 * maximum-weight assignment (Hungarian algorithm, O(n^3)), optionally restricted to map whole
 * nodes onto whole nodes so a hierarchical plan keeps its groups together.
 */
final class DeviceMatching {
    private DeviceMatching() {
    }

    /** assignment[row] = column, maximising the sum of {@code value[row][column]} over a square matrix. */
    static int[] maximise(long[][] value) {
        int n = value.length;
        long[][] cost = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                cost[i][j] = -value[i][j];
            }
        }
        return minimise(cost);
    }

    /**
     * {@link #maximise} where rows and columns come in {@code blocks} consecutive blocks of equal size and
     * a row block must map entirely onto one column block.
     */
    static int[] maximiseByBlocks(long[][] value, int blocks) {
        int n = value.length;
        if (blocks <= 1) {
            return maximise(value);
        }
        int size = n / blocks;
        long[][] blockValue = new long[blocks][blocks];
        int[][][] inner = new int[blocks][blocks][];
        for (int a = 0; a < blocks; a++) {
            for (int b = 0; b < blocks; b++) {
                long[][] sub = new long[size][size];
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < size; j++) {
                        sub[i][j] = value[a * size + i][b * size + j];
                    }
                }
                inner[a][b] = maximise(sub);
                for (int i = 0; i < size; i++) {
                    blockValue[a][b] += sub[i][inner[a][b][i]];
                }
            }
        }
        int[] blockAssignment = maximise(blockValue);
        int[] assignment = new int[n];
        for (int a = 0; a < blocks; a++) {
            int b = blockAssignment[a];
            for (int i = 0; i < size; i++) {
                assignment[a * size + i] = b * size + inner[a][b][i];
            }
        }
        return assignment;
    }

    /** Minimum-cost perfect assignment with row/column potentials (the classic shortest-augmenting-path form). */
    static int[] minimise(long[][] cost) {
        int n = cost.length;
        long inf = Long.MAX_VALUE / 4;
        long[] u = new long[n + 1];
        long[] v = new long[n + 1];
        int[] columnOwner = new int[n + 1]; // 1-based row matched to column j, 0 = none
        int[] previous = new int[n + 1];
        for (int row = 1; row <= n; row++) {
            columnOwner[0] = row;
            int column = 0;
            long[] minSlack = new long[n + 1];
            Arrays.fill(minSlack, inf);
            boolean[] used = new boolean[n + 1];
            do {
                used[column] = true;
                int r = columnOwner[column];
                long delta = inf;
                int nextColumn = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        long slack = cost[r - 1][j - 1] - u[r] - v[j];
                        if (slack < minSlack[j]) {
                            minSlack[j] = slack;
                            previous[j] = column;
                        }
                        if (minSlack[j] < delta) {
                            delta = minSlack[j];
                            nextColumn = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[columnOwner[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minSlack[j] -= delta;
                    }
                }
                column = nextColumn;
            } while (columnOwner[column] != 0);
            do {
                int prior = previous[column];
                columnOwner[column] = columnOwner[prior];
                column = prior;
            } while (column != 0);
        }
        int[] assignment = new int[n];
        for (int j = 1; j <= n; j++) {
            assignment[columnOwner[j] - 1] = j - 1;
        }
        return assignment;
    }
}
