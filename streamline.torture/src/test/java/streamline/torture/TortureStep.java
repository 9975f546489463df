package streamline.torture;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.io.InputStream;
import java.io.OutputStream;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Processor {@code TortureStep}: does what its item's plan says for this processor and attempt, then copies its input
 * content to a new output (copy on write). A plan is a list {@code A:throw@0;B:error@1;C:hang@0;A:throw@*}: processor,
 * what it does, on which attempt ({@code *}: every attempt).
 */
final class TortureStep implements Processor {

    static final String TYPE = "TortureStep";
    /** Longer than any step timeout the harness sets: a hanging step ends only by the engine's interrupt. */
    private static final long HANG_MILLIS = 120_000;
    /** Never opened: a hanging step waits on it until it is interrupted. */
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        String plan = String.valueOf(input.metadata().getOrDefault("plan", ""));
        switch (planned(plan, step.processorName(), step.attempt())) {
            case "throw" -> throw new IllegalStateException("planned failure of " + step.processorName() + " at attempt "
                    + step.attempt() + " of " + input.triggerMark());
            case "error" -> throw new AssertionError("planned Error of " + step.processorName() + " at attempt " + step.attempt());
            case "overflow" -> throw new StackOverflowError("planned StackOverflowError of " + step.processorName());
            case "hang" -> NEVER.await(HANG_MILLIS, TimeUnit.MILLISECONDS); // until the step timeout interrupts it
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
