import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.maven.artifact.versioning.ComparableVersion;

/**
 * Reference Maven version ordering for lambda-audit's differential test, from
 * Maven's own {@code ComparableVersion} (compile and run against maven-artifact).
 *
 * <p>Reads a file of version pairs, one pair per line as {@code a<TAB>b} (UTF-8,
 * lines split on "\n" only), and prints one line per pair: -1, 0 or 1.
 * Usage: java -cp maven-artifact.jar:. MavenCompare PAIRS_FILE
 */
public final class MavenCompare {
    private MavenCompare() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: MavenCompare PAIRS_FILE");
            System.exit(2);
        }
        String text = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        for (int i = 0; i < count; i++) {
            int tab = lines[i].indexOf('\t');
            if (tab < 0) {
                out.write("ERR malformed line\n");
                continue;
            }
            ComparableVersion a = new ComparableVersion(lines[i].substring(0, tab));
            ComparableVersion b = new ComparableVersion(lines[i].substring(tab + 1));
            out.write(Integer.toString(Integer.signum(a.compareTo(b))));
            out.write('\n');
        }
        out.flush();
    }
}
