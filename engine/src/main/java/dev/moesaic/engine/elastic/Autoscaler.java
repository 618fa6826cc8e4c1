package dev.moesaic.engine.elastic;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Grows and shrinks the device count from measured signals, off by default ({@code --autoscale
 * min,max}). Scale up when requests queue or inter-token latency misses its target; scale down when
 * the engine is mostly idle with nothing waiting. Hysteresis (a condition must hold for several
 * consecutive samples) and a cooldown after every operation keep it from flapping. Every decision is
 * logged and reported with its reason.
 */
public final class Autoscaler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Autoscaler.class.getName());

    /**
     * @param interTokenTargetMs the inter-token latency the operator wants (p50)
     * @param upSamples          consecutive samples a scale-up condition must hold
     * @param downSamples        consecutive samples a scale-down condition must hold
     * @param cooldownMs         quiet time after any scaling operation ends
     * @param downBusyFraction   at most this utilisation (and nothing waiting) counts as idle
     */
    public record Policy(int min, int max, double interTokenTargetMs, int upSamples, int downSamples, long cooldownMs,
                         double downBusyFraction, long intervalMs) {
        public Policy {
            if (min < 1 || max < min) {
                throw new IllegalArgumentException("autoscale range must satisfy 1 <= min <= max, got " + min + "," + max);
            }
        }

        /** Parses "min,max" with default thresholds. */
        public static Policy parse(String minMax, double interTokenTargetMs) {
            String[] parts = minMax.split(",");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--autoscale takes min,max (e.g. 1,4), got '" + minMax + "'");
            }
            try {
                return new Policy(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), interTokenTargetMs, 2, 10,
                        10_000, 0.3, 1000);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--autoscale takes two integers min,max, got '" + minMax + "'");
            }
        }
    }

    /** One decision: "up", "down" or "hold", the device counts, and why. */
    public record Decision(String action, int from, int to, String reason) {
    }

    /** Receives every decision that changes (or tries to change) the device count. */
    public interface DecisionListener {
        void decided(Decision decision);
    }

    private final ScaleController controller;
    private final Supplier<AutoscalerSignals> signals;
    private final Policy policy;
    private final DecisionListener listener;
    private final ScheduledExecutorService timer;
    private int upStreak;
    private int downStreak;
    private long quietUntil;

    public Autoscaler(ScaleController controller, Supplier<AutoscalerSignals> signals, Policy policy, DecisionListener listener) {
        this.controller = controller;
        this.signals = signals;
        this.policy = policy;
        this.listener = listener;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "autoscaler");
            t.setDaemon(true);
            return t;
        });
    }

    public Policy policy() {
        return policy;
    }

    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick(System.currentTimeMillis());
            } catch (RuntimeException e) {
                LOG.warning("autoscaler tick failed: " + e);
            }
        }, policy.intervalMs(), policy.intervalMs(), TimeUnit.MILLISECONDS);
    }

    /** One sample; public so tests can drive time themselves. Returns the decision taken, or null. */
    public synchronized Decision tick(long nowMillis) {
        if (controller.runningStatus() != null) {
            upStreak = 0;
            downStreak = 0;
            quietUntil = nowMillis + policy.cooldownMs();
            return null;
        }
        if (nowMillis < quietUntil) {
            return null;
        }
        int n = controller.deviceCount();
        AutoscalerSignals s = signals.get();
        String upReason = null;
        if (s.waiting() > 0) {
            upReason = s.waiting() + " request(s) waiting";
        } else if (s.interTokenP50Ms() > policy.interTokenTargetMs() && s.running() > 0) {
            upReason = String.format("inter-token latency p50 %.1f ms above target %.1f ms", s.interTokenP50Ms(), policy.interTokenTargetMs());
        }
        boolean idle = s.waiting() == 0 && s.busyFraction() <= policy.downBusyFraction()
                && (s.running() == 0 || s.interTokenP50Ms() < policy.interTokenTargetMs() / 2);
        upStreak = upReason != null ? upStreak + 1 : 0;
        downStreak = idle ? downStreak + 1 : 0;
        Decision d = null;
        if (upReason != null && upStreak >= policy.upSamples() && n < policy.max()) {
            d = new Decision("up", n, n + 1, upReason);
        } else if (idle && downStreak >= policy.downSamples() && n > policy.min()) {
            d = new Decision("down", n, n - 1, String.format("idle: utilisation %.0f%%, nothing waiting", 100 * s.busyFraction()));
        }
        if (d == null) {
            return null;
        }
        upStreak = 0;
        downStreak = 0;
        quietUntil = nowMillis + policy.cooldownMs();
        try {
            controller.requestScale(d.to());
            LOG.info("autoscaler: scale " + d.action() + " " + d.from() + " -> " + d.to() + " devices: " + d.reason());
        } catch (RuntimeException e) {
            d = new Decision("refused", d.from(), d.to(), d.reason() + "; refused: " + e.getMessage());
            LOG.warning("autoscaler: " + d.reason());
        }
        listener.decided(d);
        return d;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
