package streamline.torture;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seed's schedule: the run's setting and its operations, all drawn from one {@link SplittableRandom}, so that
 * the same seed and features give the same schedule, and a prefix of it is a shorter schedule of the same run.
 */
record Schedule(long seed, Config config, List<Op> ops) {

    /**
     * The run's setting: how many flows, the file log's sync policy, the log and the flow store the engine starts on
     * ({@code file} or {@code jpa}; {@code memory} or {@code jpa}), and the flow whose trigger is a cron trigger (-1:
     * none).
     */
    record Config(int flows, String sync, String log, String store, int cronFlow) {
        Config(int flows, String sync) {
            this(flows, sync, "file", "memory", -1);
        }
    }

    enum Kind {
        EMIT, PAUSE, AWAIT_PROGRESS, CHANGE_FLOW, DEACTIVATE, ACTIVATE, CHANGE_DURING_CALL, DEACTIVATE_DURING_CALL,
        FAULT, RESTART, CRASH, POWER_LOSS, PROVIDER_GONE, PROVIDER_BACK,
        /** Moves to the other log while running; number: 0 a swap, 1 the log goes away and the other comes, 2 the same comes back. */
        SWITCH_LOG,
        /** Moves to the other flow store while running. */
        SWITCH_FLOW_STORE,
        /** Writes the flow's file into the flow folder and scans it; number: 0 a new version, 1 a broken file. */
        FLOW_FILE
    }

    /** A restart's or crash's detail with {@link Feature#LOG_SWITCHES}: the next generation starts on the other log. */
    static final String OTHER_LOG = "other log";
    /** ... or starts on the same log and is swapped to the other right after its start. */
    static final String SWAP_AFTER_START = "swap after start";
    /** A restart's detail with {@link Feature#FLOW_STORE_SWITCHES}: the next generation starts on the other flow store. */
    static final String OTHER_STORE = "other store";

    /**
     * One operation.
     *
     * @param flow the flow it concerns (index)
     * @param number a count, a duration in ms, a shape or a fault's delay, by kind
     * @param detail the fault, for {@link Kind#FAULT}
     * @param random the seed of whatever the operation draws itself (an emission's items)
     */
    record Op(Kind kind, int flow, int number, String detail, long random) {
        @Override
        public String toString() {
            return kind + "(t" + flow + ", " + number + (detail.isEmpty() ? "" : ", " + detail) + ")";
        }
    }

    Schedule prefix(int length) {
        return new Schedule(seed, config, ops.subList(0, Math.min(length, ops.size())));
    }

    static Schedule generate(long seed, Set<Feature> features, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean interval = random.nextInt(3) == 0;
        // under interval a power loss may lose what was acknowledged (as documented), so such runs force every append
        String sync = interval && features.contains(Feature.INTERVAL_SYNC) && !features.contains(Feature.POWER_LOSS)
                ? "interval" : "always";
        int flows = 1 + random.nextInt(3);
        // the settings and choices of features added later come from a stream of their own, so that the schedules of
        // seeds without them stay what they were (the findings' reproductions replay them)
        SplittableRandom later = new SplittableRandom(seed ^ 0x6A09E667F3BCC909L);
        String log = features.contains(Feature.JPA_LOG) && later.nextBoolean() ? "jpa" : "file";
        String store = features.contains(Feature.JPA_FLOW_STORE) && later.nextBoolean() ? "jpa" : "memory";
        // not the only flow: a cron trigger takes items only on its ticks, which would slow the whole schedule down
        int cronFlow = features.contains(Feature.CRON_TRIGGER) && flows > 1 && later.nextBoolean() ? 1 + later.nextInt(flows - 1) : -1;
        Config config = new Config(flows, sync, log, store, cronFlow);
        List<Op> ops = new ArrayList<>();
        boolean providerGone = false;
        int sinceForceFault = -1;
        for (int i = 0; i < length; i++) {
            int flow = random.nextInt(config.flows());
            long own = random.nextLong();
            Op op;
            if (sinceForceFault >= 0 && ++sinceForceFault > 3) {
                // a failed fsync leaves the log refusing appends until it is reopened: reopen it soon
                op = new Op(features.contains(Feature.CRASHES) && random.nextBoolean() ? Kind.CRASH : Kind.RESTART, flow, 0, "", own);
                sinceForceFault = -1;
            } else {
                op = later(next(random, features, flow, own, providerGone), later, features);
                if (op.kind() == Kind.FAULT && op.detail().equals(Disk.Fault.FORCE_EIO.name())) {
                    sinceForceFault = 0;
                }
                if (op.kind() == Kind.RESTART || op.kind() == Kind.CRASH || op.kind() == Kind.POWER_LOSS) {
                    sinceForceFault = -1;
                    providerGone = false;
                }
            }
            if (op.kind() == Kind.PROVIDER_GONE) {
                providerGone = true;
            } else if (op.kind() == Kind.PROVIDER_BACK) {
                providerGone = false;
            }
            ops.add(op);
        }
        if (sinceForceFault >= 0) {
            ops.add(new Op(Kind.RESTART, 0, 0, "", random.nextLong()));
        }
        return new Schedule(seed, config, ops);
    }

    /** A restart or crash made a switch of log or store, drawn from the later features' own stream. */
    private static Op later(Op op, SplittableRandom later, Set<Feature> features) {
        boolean stop = op.kind() == Kind.RESTART || op.kind() == Kind.CRASH || op.kind() == Kind.POWER_LOSS;
        if (!stop || !op.detail().isEmpty()) {
            return op;
        }
        if (features.contains(Feature.LOG_SWITCHES) && features.contains(Feature.JPA_LOG) && later.nextInt(3) == 0) {
            return new Op(op.kind(), op.flow(), op.number(), later.nextBoolean() ? OTHER_LOG : SWAP_AFTER_START, op.random());
        }
        if (op.kind() == Kind.RESTART && features.contains(Feature.FLOW_STORE_SWITCHES) && features.contains(Feature.JPA_FLOW_STORE)
                && later.nextInt(3) == 0) {
            return new Op(op.kind(), op.flow(), op.number(), OTHER_STORE, op.random());
        }
        return op;
    }

    private static Op next(SplittableRandom random, Set<Feature> features, int flow, long own, boolean providerGone) {
        while (true) {
            int pick = random.nextInt(100);
            if (pick < 30) {
                return new Op(Kind.EMIT, flow, 1 + random.nextInt(12), "", own);
            } else if (pick < 42) {
                return new Op(Kind.PAUSE, flow, random.nextInt(150), "", own);
            } else if (pick < 52) {
                return new Op(Kind.AWAIT_PROGRESS, flow, 1 + random.nextInt(5), "", own);
            } else if (pick < 58 && features.contains(Feature.FLOW_CHANGES)) {
                // a shape of -1 keeps the graph
                return new Op(Kind.CHANGE_FLOW, flow, features.contains(Feature.FLOW_GRAPH_CHANGES) ? random.nextInt(3) : -1, "", own);
            } else if (pick < 61 && features.contains(Feature.FLOW_CHANGES)) {
                return new Op(Kind.DEACTIVATE, flow, 0, "", own);
            } else if (pick < 64 && features.contains(Feature.FLOW_CHANGES)) {
                return new Op(Kind.ACTIVATE, flow, 0, "", own);
            } else if (pick < 67 && features.contains(Feature.FLOW_CHANGE_DURING_CALL)) {
                return new Op(random.nextInt(3) == 0 ? Kind.DEACTIVATE_DURING_CALL : Kind.CHANGE_DURING_CALL, flow,
                        features.contains(Feature.FLOW_GRAPH_CHANGES) ? random.nextInt(3) : -1, "", own);
            } else if (pick < 76) {
                List<Disk.Fault> faults = new ArrayList<>();
                if (features.contains(Feature.WRITE_FAULTS)) {
                    faults.add(Disk.Fault.WRITE_EIO);
                    faults.add(Disk.Fault.WRITE_ENOSPC);
                }
                if (features.contains(Feature.FORCE_FAULTS)) {
                    faults.add(Disk.Fault.FORCE_EIO);
                }
                if (features.contains(Feature.INTERRUPT_AT_WRITE)) {
                    faults.add(Disk.Fault.WRITE_INTERRUPTED);
                }
                if (!faults.isEmpty()) {
                    return new Op(Kind.FAULT, flow, random.nextInt(20), faults.get(random.nextInt(faults.size())).name(), own);
                }
            } else if (pick < 81 && features.contains(Feature.RESTARTS)) {
                return new Op(Kind.RESTART, flow, 0, "", own);
            } else if (pick < 87 && features.contains(Feature.CRASHES)) {
                return new Op(Kind.CRASH, flow, 0, "", own);
            } else if (pick < 91 && features.contains(Feature.POWER_LOSS)) {
                return new Op(Kind.POWER_LOSS, flow, 0, "", own);
            } else if (pick < 95 && features.contains(Feature.PROVIDER_CHURN)) {
                return new Op(providerGone ? Kind.PROVIDER_BACK : Kind.PROVIDER_GONE, flow, 0, "", own);
            } else if (pick < 97 && features.contains(Feature.LOG_SWITCHES) && features.contains(Feature.JPA_LOG)) {
                int mode = random.nextInt(3);
                return new Op(Kind.SWITCH_LOG, flow, mode == 1 && !features.contains(Feature.LOG_AWAY) ? 2 : mode, "", own);
            } else if (pick < 98 && features.contains(Feature.FLOW_STORE_SWITCHES) && features.contains(Feature.JPA_FLOW_STORE)) {
                return new Op(Kind.SWITCH_FLOW_STORE, flow, 0, "", own);
            } else if (pick >= 98 && features.contains(Feature.FLOW_FOLDER)) {
                return new Op(Kind.FLOW_FILE, flow, random.nextInt(3) == 0 ? 1 : 0, "", own);
            }
        }
    }

    /**
     * The items of an emission, drawn from the operation's own seed: content of each kind the features allow, and a
     * plan of step failures.
     */
    static List<Item> items(Op op, String flow, int firstNumber, Set<Feature> features) {
        SplittableRandom random = new SplittableRandom(op.random());
        SplittableRandom later = new SplittableRandom(op.random() ^ 0xBB67AE8584CAA73BL);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < op.number(); i++) {
            String mark = flow + "-" + (firstNumber + i);
            byte[] content;
            int kind = random.nextInt(10);
            if (kind < 3) {
                content = null;
            } else if (kind < 5 && features.contains(Feature.EMPTY_CONTENT)) {
                content = new byte[0];
            } else if (kind < 6 && features.contains(Feature.LARGE_CONTENT)) {
                content = bytes(random, 100_000 + random.nextInt(300_000));
            } else {
                content = bytes(random, 1 + random.nextInt(2_000));
            }
            StringBuilder plan = new StringBuilder();
            boolean doomed = false;
            for (String processor : List.of("A", "B", "C")) {
                int attempt = random.nextInt(2);
                int what = random.nextInt(20);
                String failure = null;
                if (what < 2 && features.contains(Feature.STEP_THROWS)) {
                    failure = "throw";
                } else if (what < 3 && features.contains(Feature.STEP_ERRORS)) {
                    failure = random.nextBoolean() ? "error" : "overflow";
                } else if (what < 4 && features.contains(Feature.STEP_HANGS)) {
                    failure = "hang";
                } else if (what < 5 && features.contains(Feature.DOOMED_ITEMS) && processor.equals("A")) {
                    failure = "throw";
                    doomed = true;
                }
                if (failure != null) {
                    if (plan.length() > 0) {
                        plan.append(';');
                    }
                    plan.append(processor).append(':').append(failure).append('@').append(doomed && processor.equals("A") ? "*" : attempt);
                }
            }
            // plans of features added later come from a stream of their own and go after the others, so that a seed's
            // items without them stay what they were
            if (features.contains(Feature.STEP_NOT_NOW) || features.contains(Feature.STEP_STALLS)) {
                for (String processor : List.of("A", "B", "C")) {
                    int attempt = later.nextInt(2);
                    int what = later.nextInt(20);
                    String entry = null;
                    if (what < 2 && features.contains(Feature.STEP_NOT_NOW) && !processor.equals("A")) {
                        entry = "notnow-" + (1 + later.nextInt(3)) + "@" + attempt;
                    } else if (what < 2 && features.contains(Feature.STEP_NOT_NOW) && !doomed) {
                        // A alone has a wait limit (World.A_MAX_WAIT_SECONDS), which fails the session; it counts time
                        // parked without a provider and down between restarts too, so only a doomed item waits on A
                        entry = "notnow-*@*";
                        doomed = true;
                    } else if (what < 3 && features.contains(Feature.STEP_STALLS)) {
                        entry = "stall@" + attempt;
                    }
                    if (entry != null) {
                        plan.append(plan.length() > 0 ? ";" : "").append(processor).append(':').append(entry);
                    }
                }
            }
            boolean repeated = features.contains(Feature.REPEATED_MARKS) && random.nextInt(8) == 0;
            boolean endError = features.contains(Feature.END_ERRORS) && random.nextInt(10) == 0;
            boolean listenerError = features.contains(Feature.LISTENER_ERRORS) && random.nextInt(10) == 0;
            items.add(new Item(mark, content, plan.toString(), doomed, repeated, endError, listenerError));
        }
        return items;
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
