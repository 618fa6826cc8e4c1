package dev.moesaic.engine.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared test models ({@code ../shared/models} beside the checkout). A fresh clone has
 * no {@code ../shared}: tests that need it are skipped with a message, except under {@code CI=true},
 * where a missing fixture is a failure.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** The shared folder: system property {@code moesaic.shared}, else {@code ../shared} from the repository root. */
    public static Path sharedDir() {
        String prop = System.getProperty("moesaic.shared");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(".ci/run")) || Files.isDirectory(p.resolve(".git"))) {
                return p.resolveSibling("shared").normalize();
            }
        }
        return dir.resolveSibling("shared").normalize();
    }

    /** {@code ../shared/models/<relative>}, or a skipped (CI: failed) test when it is missing. */
    public static Path model(String relative) {
        Path p = sharedDir().resolve("models").resolve(relative);
        if (!Files.exists(p)) {
            String msg = "test fixture " + p + " is missing: put the shared models folder at ../shared beside the checkout";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg + " (CI=true: fixtures are required)");
            }
            assumeTrue(false, msg);
        }
        return p;
    }
}
