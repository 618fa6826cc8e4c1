package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeviceMatchingTest {

    @Test
    void hungarianFindsTheBestAssignmentLikeTryingEveryPermutation() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(6);
            long[][] value = randomMatrix(rnd, n);
            int[] a = DeviceMatching.maximise(value);
            assertThat(isPermutation(a)).isTrue();
            assertThat(total(value, a)).isEqualTo(bruteForce(value, new int[n], new boolean[n], 0, false, 1));
        }
    }

    @Test
    void blockAssignmentIsTheBestAmongPermutationsThatKeepBlocksTogether() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int trial = 0; trial < 200; trial++) {
            int blocks = 2 + rnd.nextInt(2);
            int size = 1 + rnd.nextInt(2);
            int n = blocks * size;
            long[][] value = randomMatrix(rnd, n);
            int[] a = DeviceMatching.maximiseByBlocks(value, blocks);
            assertThat(isPermutation(a)).isTrue();
            for (int i = 0; i < n; i++) {
                // rows of one block land in one column block
                assertThat(a[i] / size).isEqualTo(a[(i / size) * size] / size);
            }
            assertThat(total(value, a)).isEqualTo(bruteForce(value, new int[n], new boolean[n], 0, true, size));
        }
    }

    private static long[][] randomMatrix(SplittableRandom rnd, int n) {
        long[][] v = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                v[i][j] = rnd.nextInt(8);
            }
        }
        return v;
    }

    private static long total(long[][] v, int[] a) {
        long s = 0;
        for (int i = 0; i < a.length; i++) {
            s += v[i][a[i]];
        }
        return s;
    }

    private static boolean isPermutation(int[] a) {
        boolean[] seen = new boolean[a.length];
        for (int x : a) {
            if (x < 0 || x >= a.length || seen[x]) {
                return false;
            }
            seen[x] = true;
        }
        return true;
    }

    private static long bruteForce(long[][] v, int[] a, boolean[] used, int row, boolean blocks, int size) {
        int n = v.length;
        if (row == n) {
            if (blocks) {
                for (int i = 0; i < n; i++) {
                    if (a[i] / size != a[(i / size) * size] / size) {
                        return Long.MIN_VALUE;
                    }
                }
            }
            return total(v, a);
        }
        long best = Long.MIN_VALUE;
        for (int j = 0; j < n; j++) {
            if (!used[j]) {
                used[j] = true;
                a[row] = j;
                best = Math.max(best, bruteForce(v, a, used, row + 1, blocks, size));
                used[j] = false;
            }
        }
        return best;
    }
}
