package dev.forkwatch.ruletest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The results as a JUnit XML report (the Ant/Surefire form CI systems read): one testcase per case file. */
public final class JunitReport {
    private JunitReport() {
    }

    public static void write(Path file, List<CaseRunner.Result> results) throws IOException {
        long failures = results.stream().filter(r -> !r.passed()).count();
        double total = results.stream().mapToDouble(CaseRunner.Result::seconds).sum();
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<testsuite name=\"forkwatch test-rules\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">%n",
                results.size(), failures, total));
        for (CaseRunner.Result r : results) {
            sb.append(String.format(Locale.ROOT, "  <testcase classname=\"forkwatch.rules\" name=\"%s\" time=\"%.3f\"",
                    escape(r.file().toString()), r.seconds()));
            if (r.passed()) {
                sb.append("/>\n");
                continue;
            }
            sb.append(">\n    <failure message=\"").append(escape(r.problems().size() + " problem(s): " + r.problems().get(0)))
                    .append("\" type=\"RuleTestFailure\">").append(escape(String.join("\n", r.problems())))
                    .append("</failure>\n  </testcase>\n");
        }
        sb.append("</testsuite>\n");
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /** XML text and attribute escaping; characters XML 1.0 cannot carry at all become U+FFFD. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                default -> {
                    boolean legal = c == '\t' || c == '\r' || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000;
                    sb.appendCodePoint(legal ? c : 0xFFFD);
                }
            }
        });
        return sb.toString();
    }
}
