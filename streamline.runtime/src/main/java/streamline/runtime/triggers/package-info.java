/** The threads and clocks trigger calls run on: the trigger thread pool, the shared ticks of pauses, cron ticks. */
package streamline.runtime.triggers;
