package streamline.runtime.osgi;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.apache.felix.scr.impl.inject.internal.Annotations;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A component's properties as SCR makes them: the defaults of the component description bnd generated
 * (target/classes/OSGI-INF), overridden by a configuration's values, then read into the configuration type
 * by SCR's own conversion.
 */
final class ComponentProperties {

    private ComponentProperties() {
    }

    static Map<String, Object> of(String component, Map<String, Object> configuration) {
        Map<String, Object> properties = new HashMap<>();
        Path description = Path.of("target", "classes", "OSGI-INF", component + ".xml");
        try (InputStream in = Files.newInputStream(description)) {
            NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getElementsByTagName("property");
            for (int i = 0; i < nodes.getLength(); i++) {
                Element property = (Element) nodes.item(i);
                String value = property.getAttribute("value");
                properties.put(property.getAttribute("name"), switch (property.getAttribute("type")) {
                    case "Integer" -> Integer.valueOf(value);
                    case "Long" -> Long.valueOf(value);
                    default -> value;
                });
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the component description " + description, e);
        }
        properties.putAll(configuration);
        return properties;
    }

    static <T> T read(Class<T> type, Map<String, Object> properties) {
        return Annotations.toObject(type, properties, null, false);
    }
}
