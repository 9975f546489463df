package streamline.flow.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import streamline.api.flow.FlowManager;
import streamline.testkit.FlowManagerContract;
import streamline.testkit.TestFlows;

class InMemoryFlowManagerTest extends FlowManagerContract {

    @Override
    protected FlowManager createEmptyStore() {
        return new InMemoryFlowManager();
    }

    @Test
    void timestampsKeepRisingWhenTheClockStandsStillOrStepsBack() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(ZoneId zone) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        InMemoryFlowManager manager = new InMemoryFlowManager(clock);
        Instant first = manager.save(TestFlows.flow("a", "A")).lastUpdated();
        Instant second = manager.save(TestFlows.flow("b", "A")).lastUpdated();
        assertTrue(second.isAfter(first), "clock standing still");
        now.set(Instant.parse("2025-01-01T00:00:00Z"));
        Instant third = manager.save(TestFlows.flow("a", "A")).lastUpdated();
        assertTrue(third.isAfter(second), "clock stepped back");
    }
}
