package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** forkwatch test-rules: passing and failing cases, the JUnit report, exit codes. */
class TestRulesCommandTest {
    static final long T0 = 1_764_300_000_000_000_000L;
    /** A vfork child that never execs: stalled at T0 + 5 s. */
    static final String STALL = """
            {"type":"vfork","ts":1764300000000000000,"pid":101,"ppid":100,"uid":1000,"comm":"make","via":"vfork"}
            {"type":"clock","ts":1764300010000000000}
            """;

    @TempDir
    Path tmp;

    Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        return Files.writeString(f, text);
    }

    @Test
    void aMetExpectationPassesAndNumbersCompareAsNumbers() throws Exception {
        Path c = write("stall.jsonl", """
                {"type":"expect","rule":"Vfork child stalled","fields":{"proc.pid":101.0,"proc.pname":"make","vfork.elapsed_ns":5e9},"time":1764300005000000000}
                {"type":"expect_none","rule":"Vfork child exited without exec"}
                """ + STALL);
        Cli.Result r = Cli.run("test-rules", c.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).isEqualTo("PASS " + c + " (1 alert(s), 2 expectation(s))\n");
        assertThat(r.err()).contains("1 case(s): 1 passed, 0 failed");
    }

    @Test
    void aMissingAlertFailsTheCase() throws Exception {
        Path c = write("missing.jsonl", STALL + """
                {"type":"expect","rule":"Vfork child stalled","fields":{"proc.pid":101}}
                {"type":"expect","rule":"Vfork child exited without exec","fields":{"proc.pid":101}}
                """);
        Cli.Result r = Cli.run("test-rules", c.toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out()).startsWith("FAIL " + c).contains("    missing: {\"type\":\"expect\",\"rule\":\"Vfork child exited without exec\","
                + "\"fields\":{\"proc.pid\":101}} (" + c + ":4)");
    }

    @Test
    void anUnexpectedAlertFailsTheCaseAndIsPrintedInFull() throws Exception {
        Path c = write("unexpected.jsonl", STALL);
        Cli.Result r = Cli.run("test-rules", c.toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out()).contains("    unexpected: {\"uuid\":").contains("\"rule\":\"Vfork child stalled\"")
                .contains("\"proc.pid\":101");
    }

    @Test
    void aWrongFieldFailsTheCase() throws Exception {
        Path c = write("wrong.jsonl", STALL + """
                {"type":"expect","rule":"Vfork child stalled","fields":{"proc.pid":102}}
                """);
        Cli.Result r = Cli.run("test-rules", c.toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out()).contains("missing: ").contains("\"proc.pid\":102").contains("unexpected: ");
    }

    @Test
    void aWrongTimeFailsTheCase() throws Exception {
        Path c = write("time.jsonl", STALL + """
                {"type":"expect","rule":"Vfork child stalled","time":1764300005000000001}
                """);
        assertThat(Cli.run("test-rules", c.toString()).code()).isEqualTo(ExitCode.TEST_FAILED);
    }

    @Test
    void expectNoneFailsWhenTheRuleFires() throws Exception {
        Path c = write("none.jsonl", STALL + """
                {"type":"expect","rule":"Vfork child stalled"}
                {"type":"expect_none","rule":"Vfork child stalled","fields":{"proc.pid":101}}
                """);
        Cli.Result r = Cli.run("test-rules", c.toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out()).contains("forbidden by {\"type\":\"expect_none\",\"rule\":\"Vfork child stalled\"");
    }

    @Test
    void eachExpectationConsumesOneAlertWhateverTheOrder() throws Exception {
        // Two stalled children: the vaguer expectation comes first but must not take the alert the exact one needs.
        Path c = write("two.jsonl", """
                {"type":"expect","rule":"Vfork child stalled"}
                {"type":"expect","rule":"Vfork child stalled","fields":{"proc.pid":101}}
                {"type":"vfork","ts":1764300000000000000,"pid":101,"ppid":100,"uid":1000,"comm":"make","via":"vfork"}
                {"type":"vfork","ts":1764300000000000001,"pid":102,"ppid":100,"uid":1000,"comm":"make","via":"vfork"}
                {"type":"clock","ts":1764300010000000000}
                """);
        assertThat(Cli.run("test-rules", c.toString()).code()).isZero();
        Path three = write("three.jsonl", Files.readString(c) + "{\"type\":\"expect\",\"rule\":\"Vfork child stalled\"}\n");
        assertThat(Cli.run("test-rules", three.toString()).out()).contains("missing: ");
    }

    @Test
    void engineAlertsMustBeExpectedToo() throws Exception {
        Path rules = write("r/broken.drl", """
                rule "Long comm"
                    @priority("Notice")
                    @tags("test")
                    @description("breaks on short names")
                when
                    Vfork(ppid == 4242, comm.substring(20) == "x")
                then
                end
                """);
        Path c = write("broken.jsonl", """
                {"type":"vfork","ts":1764300000000000000,"pid":101,"ppid":4242,"uid":1000,"comm":"make","via":"vfork"}
                {"type":"clock","ts":1764300001000000000}
                """);
        Cli.Result r = Cli.run("test-rules", "--rules", rules.toString(), c.toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out()).contains("unexpected: ").contains("\"rule\":\"Rule failed\"");
        Files.writeString(c, "{\"type\":\"expect\",\"rule\":\"Rule failed\",\"fields\":{\"rule.name\":\"Long comm\"}}\n", 
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(Cli.run("test-rules", "--rules", rules.toString(), c.toString()).code()).isZero();
    }

    @Test
    void aDirectoryRunsEveryCaseAndTheJunitReportSaysWhichFailed() throws Exception {
        write("cases/a-pass.jsonl", STALL + "{\"type\":\"expect\",\"rule\":\"Vfork child stalled\"}\n");
        write("cases/sub/b-fail.jsonl", STALL);
        write("cases/notes.txt", "not a case");
        Path report = tmp.resolve("report.xml");
        Cli.Result r = Cli.run("test-rules", "--junit", report.toString(), tmp.resolve("cases").toString());
        assertThat(r.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(r.out().lines().filter(l -> !l.startsWith(" "))).containsExactly(
                "PASS " + tmp.resolve("cases/a-pass.jsonl") + " (1 alert(s), 1 expectation(s))",
                "FAIL " + tmp.resolve("cases/sub/b-fail.jsonl") + " (1 alert(s), 0 expectation(s))");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
        Element suite = doc.getDocumentElement();
        assertThat(suite.getAttribute("tests")).isEqualTo("2");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        var testcases = suite.getElementsByTagName("testcase");
        assertThat(((Element) testcases.item(0)).getElementsByTagName("failure").getLength()).isZero();
        Element failure = (Element) ((Element) testcases.item(1)).getElementsByTagName("failure").item(0);
        assertThat(((Element) testcases.item(1)).getAttribute("name")).endsWith("b-fail.jsonl");
        assertThat(failure.getTextContent()).contains("unexpected: ").contains("Vfork child stalled");
    }

    @Test
    void badCasesAreBadInput() throws Exception {
        Path noRule = write("norule.jsonl", "{\"type\":\"expect\",\"fields\":{}}\n");
        Cli.Result r = Cli.run("test-rules", noRule.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(noRule + ":1: expect: 'rule' must be the rule's name");
        Path typo = write("typo.jsonl", "{\"type\":\"expect\",\"rule\":\"Vfork child stalled\",\"field\":{}}\n");
        assertThat(Cli.run("test-rules", typo.toString()).err()).contains(typo + ":1: expect: unknown key 'field'");
        assertThat(Cli.run("test-rules", tmp.resolve("nope.jsonl").toString()).code()).isEqualTo(ExitCode.BAD_INPUT);
        Path badEvent = write("bad.jsonl", "{\"type\":\"vfork\",\"ts\":1}\n");
        assertThat(Cli.run("test-rules", badEvent.toString()).code()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void replayIgnoresExpectationRecords() throws Exception {
        Path c = write("case.jsonl", STALL + "{\"type\":\"expect\",\"rule\":\"Vfork child stalled\"}\n");
        Cli.Result r = Cli.run("replay", c.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Vfork child stalled");
        assertThat(r.err()).contains("replayed 1 events");
    }

    @Test
    void withAggregateTheCaseMeetsTheFirstAlertAndTheSummary() throws Exception {
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            long t = 1764300000000000000L + i * 1_000_000_000L;
            flood.append("{\"type\":\"vfork\",\"ts\":").append(t).append(",\"pid\":").append(200 + i)
                    .append(",\"ppid\":100,\"uid\":0,\"comm\":\"svc\",\"via\":\"vfork\"}\n")
                    .append("{\"type\":\"exit\",\"ts\":").append(t + 1000).append(",\"pid\":").append(200 + i)
                    .append(",\"exit_code\":1}\n");
        }
        Path c = write("flood.jsonl", flood + """
                {"type":"expect","rule":"Vfork child exited without exec","fields":{"proc.pid":200}}
                {"type":"expect","rule":"Vfork child exited without exec","fields":{"proc.pid":204,"alert.suppressed":4}}
                """);
        Cli.Result agg = Cli.run("test-rules", "--aggregate", c.toString());
        assertThat(agg.code()).as(agg.out()).isEqualTo(ExitCode.OK);
        assertThat(agg.out()).contains("PASS").contains("(2 alert(s), 2 expectation(s))");
        // Without --aggregate every match is an alert: three of them no expectation takes.
        Cli.Result every = Cli.run("test-rules", c.toString());
        assertThat(every.code()).isEqualTo(ExitCode.TEST_FAILED);
        assertThat(every.out()).contains("(5 alert(s), 2 expectation(s))");
    }
}
