package streamline.torture;

import java.util.Arrays;

/**
 * One item of a source, as the schedule made it.
 *
 * @param mark its identity in the source (and its output file's name)
 * @param content its content, or {@code null} for an item without content
 * @param plan what its steps do, attempt by attempt (see {@link TortureStep})
 * @param doomed whether its plan fails a step on every attempt, so its session must fail
 * @param repeated whether the trigger names it twice in the batch that emits it
 * @param endError whether its trigger's {@code sessionEnded} throws an {@code Error} the first time
 * @param listenerError whether the session listener throws an {@code Error} the first time it hears of it
 */
record Item(String mark, byte[] content, String plan, boolean doomed, boolean repeated, boolean endError,
        boolean listenerError) {

    /** The output file's expected bytes. */
    byte[] expectedOutput() {
        return content == null ? new byte[0] : content;
    }

    String describe() {
        return mark + " (" + (content == null ? "no content" : content.length + " bytes") + (plan.isEmpty() ? "" : ", plan " + plan)
                + (doomed ? ", doomed" : "") + (repeated ? ", repeated" : "") + (endError ? ", Error in sessionEnded" : "")
                + (listenerError ? ", Error in listener" : "") + ")";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Item item && item.mark.equals(mark) && Arrays.equals(item.content, content);
    }

    @Override
    public int hashCode() {
        return mark.hashCode();
    }
}
