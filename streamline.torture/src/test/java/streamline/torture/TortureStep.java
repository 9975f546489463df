package streamline.torture;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.io.InputStream;
import java.io.OutputStream;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.StepUnavailableException;

/**
 * Processor {@code TortureStep}: does what its item's plan says for this processor and attempt, then copies its input
 * content to a new output (copy on write). A plan is a list {@code A:throw@0;B:error@1;C:hang@0;A:throw@*}: processor,
 * what it does, on which attempt ({@code *}: every attempt). {@code notnow-N} says "not now" the first N times the step
 * runs on that attempt ({@code notnow-*}: every time), counted by the world outside the engine, as a server that comes
 * back would be; {@code stall} ignores the engine's interrupt until past the step timeout, then returns.
 */
final class TortureStep implements Processor {

    static final String TYPE = "TortureStep";
    /** Longer than any step timeout the harness sets: a hanging step ends only by the engine's interrupt. */
    private static final long HANG_MILLIS = 120_000;
    /** Never opened: a hanging step waits on it until it is interrupted. */
    private static final CountDownLatch NEVER = new CountDownLatch(1);
    /** How long a stalling step ignores interrupts: past the harness's step timeout, not by much. */
    static final long STALL_MILLIS = World.STEP_TIMEOUT.toMillis() + 150;

    private final NotNowCounts notNow;

    TortureStep(NotNowCounts notNow) {
        this.notNow = notNow;
    }

    /** A version whose A says {@code refuse} is refused by the engine: its processor refuses its configuration. */
    @Override
    public void init(ProcessorContext context) {
        if ("true".equals(String.valueOf(context.rawConfiguration().get(World.REFUSE_KEY)))) {
            throw new IllegalArgumentException("planned refusal of the configuration of " + context.processorName() + " in version "
                    + context.rawConfiguration().get("version") + " of flow " + context.flowName());
        }
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        String plan = String.valueOf(input.metadata().getOrDefault("plan", ""));
        String what = planned(plan, step.processorName(), step.attempt());
        if (what.startsWith("notnow-")) {
            String times = what.substring("notnow-".length());
            int calls = notNow.call(input.triggerMark(), step.processorName(), step.attempt());
            if (times.equals("*") || calls <= Integer.parseInt(times)) {
                throw new StepUnavailableException("planned: " + step.processorName() + " not ready for " + input.triggerMark()
                        + " (call " + calls + " of attempt " + step.attempt() + ")", java.time.Duration.ofMillis(calls * 40L), null);
            }
        }
        switch (what) {
            case "throw" -> throw new IllegalStateException("planned failure of " + step.processorName() + " at attempt "
                    + step.attempt() + " of " + input.triggerMark());
            case "error" -> throw new AssertionError("planned Error of " + step.processorName() + " at attempt " + step.attempt());
            case "overflow" -> throw new StackOverflowError("planned StackOverflowError of " + step.processorName());
            case "hang" -> NEVER.await(HANG_MILLIS, TimeUnit.MILLISECONDS); // until the step timeout interrupts it
            case "stall" -> stall();
            default -> {
                // succeeds
            }
        }
        if (step.hasContent()) {
            try (InputStream in = step.readContent(); OutputStream out = step.writeContent()) {
                in.transferTo(out);
            }
        }
        return input.with("last", step.processorName());
    }

    /** Runs past the step timeout whatever interrupts it, then returns with its thread's interrupt kept, as careless code does. */
    private static void stall() {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
        boolean interrupted = false;
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the plan says {@code processor} does at {@code attempt}: {@code ok} unless named. */
    static String planned(String plan, String processor, int attempt) {
        if (plan.isEmpty()) {
            return "ok";
        }
        for (String entry : plan.split(";")) {
            int colon = entry.indexOf(':');
            int at = entry.indexOf('@');
            if (colon < 0 || at < colon || !entry.substring(0, colon).equals(processor)) {
                continue;
            }
            String when = entry.substring(at + 1);
            if (when.equals("*") || when.equals(Integer.toString(attempt))) {
                return entry.substring(colon + 1, at);
            }
        }
        return "ok";
    }
}
