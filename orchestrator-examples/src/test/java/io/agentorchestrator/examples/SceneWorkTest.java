package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Task;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The agents' real work gives the right answers, and the scene's tasks are well-formed. */
class SceneWorkTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 11, 25);

    @Test
    void routePlannerFindsTheShortestRoadRoute() {
        Map<String, String> reply = KeyValues.parse(RoutePlanner.plan("from=Port Klang;to=Penang;cargo=chilled"));

        assertThat(reply).containsEntry("route", "Port Klang>Kuala Lumpur>Ipoh>Butterworth>Penang")
                .containsEntry("km", "425").containsEntry("legs", "4");
        assertThat(KeyValues.parse(RoutePlanner.plan("from=KLIA;to=Singapore;cargo=dry")))
                .containsEntry("route", "KLIA>Seremban>Melaka>Johor Bahru>Singapore").containsEntry("km", "370");
    }

    @Test
    void routePlannerRejectsAnUnknownHub() {
        assertThatThrownBy(() -> RoutePlanner.plan("from=Atlantis;to=Penang")).hasMessageContaining("unknown hub 'Atlantis'");
    }

    @Test
    void certificateVerdicts() {
        String number = "JAKIM-2025-004213";
        int check = CertificateCheck.checkDigits(number);
        String valid = "certificate=" + number + ";issuer=JAKIM;product=x;expires=2027-01-01;asOf=2026-11-25;check=" + check;

        assertThat(KeyValues.parse(CertificateCheck.verify(valid))).containsEntry("verdict", "VALID").containsKey("fingerprint");
        assertThat(verdict(valid.replace("expires=2027-01-01", "expires=2026-11-24"))).isEqualTo("EXPIRED");
        assertThat(verdict(valid.replace("check=" + check, "check=" + (check + 1) % 97))).isEqualTo("CHECK-DIGITS-MISMATCH");
        assertThat(verdict(valid.replace("issuer=JAKIM", "issuer=ACME"))).isEqualTo("UNKNOWN-ISSUER");
    }

    @Test
    void coldChainFlagsAnExcursionAndItsLength() {
        Map<String, String> ok = KeyValues.parse(ColdChainCheck.analyse("shipment=SHP-1;range=chilled;readings=1.0,2.0,3.0"));
        Map<String, String> warm = KeyValues.parse(ColdChainCheck.analyse("shipment=SHP-2;range=chilled;readings=2.0,5.5,6.0,3.0,4.5"));
        Map<String, String> frozen = KeyValues.parse(ColdChainCheck.analyse("shipment=SHP-3;range=frozen;readings=-20.0,-21.5"));

        assertThat(ok).containsEntry("status", "OK").containsEntry("mean", "2.00").containsEntry("outOfRange", "0");
        assertThat(warm).containsEntry("status", "EXCURSION").containsEntry("outOfRange", "3")
                .containsEntry("longestExcursionMinutes", "60").containsEntry("max", "6.0");
        assertThat(frozen).containsEntry("status", "OK");
    }

    @Test
    void sampleRequestsAreAnsweredByTheirOwnWork() {
        Random random = new Random(7);
        Set<String> verdicts = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            verdicts.add(verdict(CertificateCheck.sampleRequest(random, AS_OF)));
            assertThat(KeyValues.parse(ColdChainCheck.analyse(ColdChainCheck.sampleRequest(random, i)))).containsKey("status");
            assertThat(KeyValues.parse(RoutePlanner.plan(RoutePlanner.sampleRequest(random)))).containsKey("km");
        }
        assertThat(verdicts).contains("VALID", "EXPIRED", "CHECK-DIGITS-MISMATCH");
    }

    @Test
    void tasksCycleThroughTheCapabilitiesWithUniqueIds() {
        LogisticsScene scene = new LogisticsScene(DemoRun.SEED);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            Task task = scene.task(i);
            assertThat(task.capability()).isEqualTo(LogisticsScene.CAPABILITIES.get(i % 3));
            assertThat(ids.add(task.id())).isTrue();
        }
        assertThat(scene.agents()).extracting(LogisticsScene.AgentSpec::capability).containsAll(LogisticsScene.CAPABILITIES);
        assertThat(scene.agents()).extracting(LogisticsScene.AgentSpec::id).contains(LogisticsScene.VICTIM);
    }

    @Test
    void percentileIsNearestRank() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertThat(AgentLedger.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(AgentLedger.percentile(sorted, 0.99)).isEqualTo(100);
        assertThat(AgentLedger.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(AgentLedger.percentile(new long[0], 0.5)).isEqualTo(-1);
    }

    @Test
    void reportTableAlignsColumns() {
        String table = ReportTable.render(java.util.List.of(
                new DemoResult.AgentRow("a-1", "route-planning", 3, 4, "HEALTHY", 120, 0, 150, 210),
                new DemoResult.AgentRow("route-planner-1", "route-planning", 1, 2, "REMOVED", 7, 4, -1, -1)));

        assertThat(table.lines()).hasSize(4);
        assertThat(table.lines().map(String::length).distinct().count()).as("every line as wide:%n%s", table).isEqualTo(1);
        assertThat(table).contains("REMOVED").contains("      -");
    }

    private static String verdict(String request) {
        return KeyValues.parse(CertificateCheck.verify(request)).get("verdict");
    }
}
