package streamline.api.processor;

/** How the engine runs a trigger processor. */
public enum ScheduleType {
    /** Called on each fire of the trigger definition's cron expression. */
    CRON,
    /** Called over and over in a loop of its own; each call may block until items arrive. */
    EVENT
}
