package streamline.jpa.support;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

import org.eclipse.persistence.internal.sessions.AbstractSession;
import org.eclipse.persistence.platform.database.DerbyPlatform;

/**
 * EclipseLink's Derby platform, reading CLOB columns with {@code getString}. EclipseLink reads a
 * CLOB as a {@link java.sql.Clob} and then converts it to the string the entity holds, which makes
 * Derby measure the value in one pass and copy it through a reader in another: measured, that was
 * a sixth of reading a flow. The stores map every CLOB to a {@code String}, so nothing needs the
 * {@code Clob} itself.
 */
public class EmbeddedDerbyPlatform extends DerbyPlatform {

    @Override
    public Object getObjectFromResultSet(ResultSet resultSet, int columnNumber, int type, AbstractSession session)
            throws SQLException {
        return type == Types.CLOB ? resultSet.getString(columnNumber) : super.getObjectFromResultSet(resultSet, columnNumber,
                type, session);
    }
}
