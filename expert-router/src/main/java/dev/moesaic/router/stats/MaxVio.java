package dev.moesaic.router.stats;

/** Load imbalance as DeepSeek reports it: (max - mean) / mean; 0 for no load at all. */
public final class MaxVio {
    private MaxVio() {
    }

    public static double of(int[] loads, int count) {
        long sum = 0;
        int max = 0;
        for (int i = 0; i < count; i++) {
            sum += loads[i];
            max = Math.max(max, loads[i]);
        }
        if (sum == 0) {
            return 0;
        }
        double mean = (double) sum / count;
        return (max - mean) / mean;
    }

    public static double of(int[] loads) {
        return of(loads, loads.length);
    }

    public static double of(double[] loads) {
        double sum = 0;
        double max = 0;
        for (double l : loads) {
            sum += l;
            max = Math.max(max, l);
        }
        if (sum == 0) {
            return 0;
        }
        double mean = sum / loads.length;
        return (max - mean) / mean;
    }
}
