package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ConfigType;

/**
 * The README's processor table says what the processors declare ({@code @ProcessorConfig}): a key, an alias (the Go
 * name, in italics after {@code =}) or a default changed on one side and not the other fails here.
 */
class ReadmeProcessorTableTest {

    private static final List<Class<?>> STANDARD = List.of(ReadDir.class, ReadFile.class, WriteFile.class, UpdateMetadata.class,
            RunExecutable.class, UploadHTTP.class);
    private static final Pattern ITALIC_KEY = Pattern.compile("\\*`([^`]+)`\\*");

    @Test
    void theConfigurationColumnNamesEveryDeclaredKeyAliasAndDefault() throws IOException {
        Map<String, String> rows = configurationCells();
        List<String> disagreements = new ArrayList<>();
        for (Class<?> processor : STANDARD) {
            String type = processor.getSimpleName();
            ConfigDescription description = ConfigDescription.of(processor).orElseThrow(() -> new AssertionError(type + " declares nothing"));
            String cell = rows.get(type);
            if (cell == null) {
                disagreements.add(type + ": no row in the README's processor table");
                continue;
            }
            for (ConfigDescription.Key key : description.keys()) {
                if (!cell.contains("`" + key.name() + "`")) {
                    disagreements.add(type + ": key `" + key.name() + "` is declared, not in the README");
                }
                key.alias().ifPresent(alias -> {
                    if (!cell.contains("`" + key.name() + "` = *`" + alias + "`*")) {
                        disagreements.add(type + ": `" + key.name() + "` = *`" + alias + "`* (its declared alias) is not in the README");
                    }
                });
                key.defaultValue().filter(value -> !(key.type() == ConfigType.BOOLEAN && value.equals("false"))).ifPresent(value -> {
                    if (!cell.contains("`" + value + "`")) {
                        disagreements.add(type + ": the default `" + value + "` of `" + key.name() + "` is not in the README");
                    }
                });
            }
            Matcher italic = ITALIC_KEY.matcher(cell);
            while (italic.find()) {
                if (description.key(italic.group(1)).isEmpty()) {
                    disagreements.add(type + ": the README names the Go key *`" + italic.group(1) + "`*, which is not declared");
                }
            }
        }
        assertEquals(List.of(), disagreements);
    }

    @Test
    void theTableIsReadRowByRow() throws IOException {
        String cell = configurationCells().get("ReadFile");
        assertTrue(cell.contains("`remove_source`"), "the check reads the ReadFile row: " + cell);
        assertTrue(!configurationCells().getOrDefault("WriteFile", "").contains("`remove_source`"),
                "a key of one row is not found in another");
    }

    /** The processor table's configuration column, by the type in its first column. */
    private static Map<String, String> configurationCells() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int start = lines.indexOf(lines.stream().filter(line -> line.startsWith("## Standard processors")).findFirst()
                .orElseThrow(() -> new AssertionError("the README has no section 'Standard processors'")));
        Map<String, String> cells = new LinkedHashMap<>();
        Pattern type = Pattern.compile("^`([A-Za-z]+)`");
        for (String line : lines.subList(start, lines.size())) {
            if (line.startsWith("## ") && !cells.isEmpty()) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] columns = line.split("(?<!\\\\)\\|");
            Matcher named = type.matcher(columns[1].trim());
            if (named.find()) {
                cells.put(named.group(1), columns[2]);
            }
        }
        return cells;
    }
}
