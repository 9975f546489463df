package streamline.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition instead of sleeping to let things settle: checks it every few milliseconds
 * until it holds or the timeout passes, then fails with what was awaited and what was observed last.
 * Uses no test framework's types (an {@link AssertionError} fails any of them), so tests inside an
 * OSGi framework can use it too.
 */
public final class Eventually {

    private static final long PAUSE_MILLIS = 10;

    private Eventually() {
    }

    /**
     * @param what what is awaited, for the failure message
     * @param observed what to report if the condition never holds (evaluated only then)
     * @throws AssertionError when the timeout passes first, or the waiting thread is interrupted
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<Object> observed) {
        try {
            if (!within(timeout, condition)) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what + "; observed: "
                        + observed.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    /**
     * Waits until the condition holds or the timeout passes, for waits whose timing out is an outcome rather than a
     * failure (a test harness giving the engine a chance to act).
     *
     * @return whether the condition held
     */
    public static boolean within(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(PAUSE_MILLIS);
        }
        return true;
    }

    /** As {@link #await(String, Duration, BooleanSupplier, Supplier)}, reporting nothing observed. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "(nothing)");
    }
}
