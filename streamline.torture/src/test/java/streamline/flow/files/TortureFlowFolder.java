package streamline.flow.files;

import java.io.IOException;
import java.nio.file.Path;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;

/**
 * The real flow folder ({@link FlowFolder}, package-private) for the torture harness: scanned into a flow store when
 * the schedule says, as the folder's component does on its poll, and the files written in the folder's own format.
 */
public final class TortureFlowFolder {

    private final FlowFolder folder;
    private final FlowJson json = new FlowJson();

    public TortureFlowFolder(Path directory) {
        this.folder = new FlowFolder(directory, 1024 * 1024);
    }

    /** One scan of the folder into {@code store}. */
    public void scan(FlowManager store) throws IOException {
        folder.scan(store);
    }

    /** A flow as a flow file's text. */
    public String write(FlowDefinition flow) {
        return json.write(flow);
    }

    /** The definition of the flow with the folder's origin mark removed, to compare with what was written. */
    public static FlowDefinition withoutOrigin(FlowDefinition flow) {
        return FlowOrigin.withoutOrigin(flow);
    }
}
