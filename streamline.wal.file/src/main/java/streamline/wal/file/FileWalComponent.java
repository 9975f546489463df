package streamline.wal.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.engine.StreamlineHome;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The file write-ahead log as a service. It owns its {@link FileWriteAheadLog}: opened (and
 * recovered) on activation, closed on deactivation. A changed configuration deactivates the old
 * log cleanly and activates one with the new settings on the same files, so nothing is lost.
 * Immediate, so that recovery runs at start and a wrong configuration is reported at once.
 */
@Component(service = WriteAheadLog.class, configurationPid = "streamline.wal.file", immediate = true)
@Designate(ocd = FileWalConfig.class)
public class FileWalComponent implements WriteAheadLog {

    private final FileWriteAheadLog log;

    @Activate
    public FileWalComponent(FileWalConfig config, BundleContext context) throws WriteAheadLogException {
        this.log = new FileWriteAheadLog(options(config, StreamlineHome.of(context::getProperty)));
    }

    static WalOptions options(FileWalConfig config, String home) {
        Path directory = Path.of(config.directory());
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        try {
            return new WalOptions(directory, SyncPolicy.parse(config.sync()), Duration.ofMillis(config.sync_interval_ms()),
                    config.segment_bytes(), config.checkpoint_bytes(), Duration.ofSeconds(config.checkpoint_interval_seconds()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid configuration of streamline.wal.file: " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() throws WriteAheadLogException {
        log.close();
    }

    @Override
    public long append(LogEntry entry) throws WriteAheadLogException {
        return log.append(entry);
    }

    @Override
    public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
        return log.appendAll(entries);
    }

    @Override
    public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
        return log.appendUnforced(entries);
    }

    @Override
    public CompletionStage<Void> whenDurable(long sequence) {
        return log.whenDurable(sequence);
    }

    @Override
    public void force() throws WriteAheadLogException {
        log.force();
    }

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        return log.entries();
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        return log.liveEntries();
    }
}
