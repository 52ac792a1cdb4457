"""
Worlds C{--explore} found, committed as scenarios (C{fixtures/scenarios/
explore/}: the shrunk world it printed, renamed), the golden phone passing
every clause in each.  Not in the default certification (the bundled
scenarios are the guide's cases); these pin the readings a triage took.
Where a defective phone shows in such a world, it must still fail there.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.phone.defects import Defects
from harness.scenario import bundled_scenarios_dir, find_scenarios, load_scenario
from harness.testbed import run_scenario

EXPLORE = bundled_scenarios_dir() / "explore"

#: world -> (defect, clause it must fail there)
MUST_FAIL = {
    "seed47-fbk-s1-late-200": ("registers-fallback-in-successive", "FBK-S1"),
    "seed65-fb3-short-list": ("always-fails-back", "FB-3"),
    "seed60-fb3-nameless-srv": ("always-fails-back", "FB-3"),
    "seed55-rtx5-lost-write-at-close": ("no-reregister-retry", "RTX-5"),
    "seed41-rtx5-lost-write-at-fin": ("no-reregister-retry", "RTX-5"),
    "seed69-rtx5-call-moves-on": ("no-reregister-retry", "RTX-5"),
    "seed62-rtx5-dnsttl-kept": ("no-reregister-retry", "RTX-5"),
    "seed38-rtx5-rides-call-conn": ("no-reregister-retry", "RTX-5"),
    "seed8-rtx2-rides-opening-conn": ("retries-too-many", "RTX-2"),
    "seed28-rtx2-reset-other-conn": ("retries-too-few", "RTX-2"),
    "seed48-rtx2-invite-moves-on": ("no-reregister-retry", "RTX-5"),
    "seed48-rtx5-invite-moves-on-at-retry": ("no-reregister-retry", "RTX-5"),
    "r5-seed103-rtx5-retry-on-calls-conn": ("no-reregister-retry", "RTX-5"),
    "r5-seed117-rtx5-retry-lost-at-tls-close": ("no-reregister-retry", "RTX-5"),
    "r6-s7002-rtx5-call-syns-before-lost-one": ("no-reregister-retry", "RTX-5"),
    "r6-s7002-rtx2-invite-list-exhausted": ("no-reregister-retry", "RTX-5"),
    "r6-s7002-reg2-stale-retry-after-renewal": ("no-reregister-retry", "RTX-5"),
    "r6-s7002-fo5-primary-settled-by-reask": ("retries-too-few", "RTX-1"),
    "r6-s7002-fbk-s1-renewal-on-hangup-conn": ("registers-fallback-in-successive", "FBK-S1"),
    "r7-s7003-fbk-s1-fallback-renewal-across-probe-ok": ("registers-fallback-in-successive",
                                                         "FBK-S1"),
    "r7-s7003-rtx5-calls-slow-lookup": ("retries-too-few", "RTX-5"),
    "r7-seed127-rtx1-call-reuses-reask": ("retries-too-few", "RTX-1"),
    "r8-s7005-fbk-s1-register-and-invite-share-reset-conns": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r8-seed284-fbk-s1-renewal-lost-at-tls-close": ("registers-fallback-in-successive",
                                                    "FBK-S1"),
    "r8-seed113-rtx5-retry-after-refused-bye": ("retries-too-few", "RTX-5"),
    "r8-seed113-rtx5-retry-joins-bye-conn": ("retries-too-few", "RTX-5"),
    "r8-seed278-rtx5-retry-lookup-fails": ("no-reregister-retry", "RTX-5"),
    "r8-seed278-rtx5-calls-lookup-waits": ("no-reregister-retry", "RTX-5"),
    "r8-s7003-no-2xx-resend-over-new-tcp": ("registers-fallback-in-successive", "FBK-S1"),
    "r9-seed244-rtx5-calls-lookup-after-answered-one": ("no-reregister-retry", "RTX-5"),
    "r9-seed284-rtx5-calls-conn-lent-before-retry": ("no-reregister-retry", "RTX-5"),
    "r9-seed244-rtx5-roe-register-after-calls-slow-lookup": ("no-reregister-retry", "RTX-5"),
    "r9-seed316-rtx3-roe-register-waits-for-registration": ("no-reregister-retry", "RTX-5"),
    "r9-seed316-rtx3-invite-after-roe-register-joined": ("ignores-retry-after", "RTX-3"),
    "r10-s7008-reg1-retry-after-shared-conn-lost": ("no-reregister-retry", "REG-1"),
    "r10-s7008-fb1-stay-from-late-invite-failover": ("ignores-dnsttl", "FB-1"),
    "r10-seed402-reg1-retries-back-to-abandoned-conn": ("no-reregister-retry", "REG-1"),
    "r10-seed403-fo2-joins-opening-conn": ("no-reregister-retry", "RTX-5"),
    "r11-s7009-fb2-stay-across-transport": ("always-fails-back", "FB-2"),
    "r13-s7011-fo6-joins-fallback-opening-conn": ("retries-too-few", "FBK-C2"),
    "r13-s7011-reg2-probe-held-after-all": ("probes-wrong-interval", "FBK-S3"),
    "r14-s7013-rtx5-calls-a-second-apart": ("no-reregister-retry", "RTX-5"),
    "r14-s7013-fbk-s3-invite-before-probe-lookup": ("probes-wrong-interval", "FBK-S3"),
    "r14-s7013-fbk-s4-fallback-conn-at-give-up": ("no-probing", "FBK-S3"),
    "r14-s7014-fbk-s3-lookup-at-retry-and-probe-time": ("probes-wrong-interval", "FBK-S3"),
    "r15-s7014-fb2-late-200-failed-retry-lookup": ("no-reregister-retry", "FB-2"),
    "r15-s7014-fbk-s3-renewal-refused-before-bye": ("retries-too-many", "RTX-5"),
    "r15-s7014-rtx2-invite-handover-to-fallback": ("retries-too-few", "FO-6"),
    "r15-s7014-rtx2-fallback-renewal-refused-retry-from-top": ("retries-too-many", "RTX-5"),
    "r17-s7018-fb2-roe-register-with-live-binding": ("never-fails-back", "FB-2"),
    "r18-s7018-fbk-s2-calls-conn-before-renewals": ("registers-fallback-in-successive", "FBK-S1"),
    "r18-s7019-fbk-s2-fallback-register-under-way": ("no-reregister-retry", "FBK-S2"),
    "r18-s7019-rtx5-call-moves-on-at-give-up": ("no-reregister-retry", "RTX-5"),
    "r18-s7019-rtx5-invite-moves-on-at-give-up": ("no-reregister-retry", "RTX-5"),
    "r20-s7022-fbk-s3-probe-while-fallback-renewal-pending": ("no-probing", "FBK-S3"),
    "r21-s7027-rtx5-renewal-refused-at-unreached-primary": ("no-reregister-retry", "RTX-5"),
    "r21-s7028-rtx3-fallback-503-lends-no-call-id": ("no-reregister-retry", "RTX-5"),
    "r22-s7029-fo3-bye-rides-next-calls-conn": ("retries-too-few", "FO-3"),
    "r22-s7029-fo5-invite-written-on-registers-200": ("ignores-dnsttl", "FB-1"),
    "r22-s7029-fbk-s2-call-invite-on-wire-after-next-call": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r22-s7029-fbk-s2-lookup-moves-on-among-renewals": ("registers-fallback-in-successive",
                                                        "FBK-S1"),
    "r22-w7029-fb0-renewal-rides-calls-pending-conn": ("never-fails-back", "FB-0"),
    "r22-s7031-fb2-roe-register-after-renewal": ("always-fails-back", "FB-2"),
    "r23-s7033-fo2-reask-ends-with-last-name": ("never-fails-back", "FB-1"),
    "r23-w7034-rtx3-fb2-roe-register-after-primary-in-retry-after": ("ignores-retry-after",
                                                                     "RTX-3"),
    "r23-w7033-fbk-s3-probe-ends-with-last-targets-reask": ("probes-wrong-interval", "FBK-S3"),
    "r23-w7034-dns11-fallback-registered-late": ("no-probing", "FBK-S3"),
    "r24-w7037-fb3z-roe-register-refused-at-current": ("always-fails-back", "FB-3Z"),
    "r24-w7037-fbk-s1-fallback-as-run-ends-behind-tcp": ("registers-fallback-in-successive",
                                                         "FBK-S1"),
    "r24-w7037-rtx1-call-reuses-alike-fill": ("retries-too-few", "RTX-1"),
    "r24-w7037-reg2-renewal-written-before-call": ("never-fails-back", "FB-2"),
    "r24-w7036-fo6-renewals-refused-conns-before-a-call": ("no-reregister-retry", "RTX-5"),
    "r24-w7036-rtx5-retry-waits-for-fo5-register": ("no-reregister-retry", "RTX-5"),
    "r24-w7036-fbk-s3-bye-given-up-as-fallback-renewal-refused": ("probes-wrong-interval",
                                                                  "FBK-S3"),
    "r25-w7039-rtx5-retry-after-failed-renewal-in-place": ("no-reregister-retry", "RTX-5"),
    "r26-w7042-rtx5-bye-of-earlier-call-refused": ("no-reregister-retry", "RTX-5"),
    "r26-w7038-fo5-binding-at-primary-outlives-failover": ("never-fails-back", "FB-0"),
    "r26-w7038-fb1-renewals-own-lookup-gave-primary-up": ("never-fails-back", "FB-1"),
    "r26-w7041-fbk-s3-probe-lookup-after-calls-tls-invite": ("probes-wrong-interval", "FBK-S3"),
    "r26-w7040-fbk-s3-probe-refused-after-call-at-fallback": ("no-probing", "FBK-S3"),
    "r26-w7038-fbk-s3-renewal-and-probe-at-retry-time": ("no-probing", "FBK-S3"),
    "r26-w7038-rtx3-both-names-at-the-primarys-address": ("bye-to-new-server", "FO-4"),
    "r26-w7041-rtx5-register-resent-past-the-tls-close": ("no-reregister-retry", "RTX-5"),
    "r27-w7047-fbk-s3-fallback-again-after-server1-took-back": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r27-w7047-fo6-lookup-waited-on-calls-pending-srv": ("ignores-dnsttl", "FB-1"),
    "r27-w7045-rtx2-call-joins-fallback-retrys-conn": ("retries-too-many", "RTX-2"),
    "r27-w7044-dns11-calls-lookup-while-fallback-register-in-flight": ("no-probing", "FBK-S3"),
    "r27-w7044-rtx5-call-placed-as-another-hangs-up": ("no-reregister-retry", "RTX-5"),
    "r27-w7045-rtx5-retry-lookup-failed-then-calls-conns": ("no-reregister-retry", "FBK-C3"),
    "r27-w7046-reg2-server-drops-abandoned-handshake": ("never-fails-back", "FB-0"),
    "r28-w7049-fbk-s3-renewals-own-conn-refused": ("no-probing", "FBK-S3"),
    "r28-w7049-fbk-s1-call-asks-same-question-same-instant": ("no-probing", "FBK-S3"),
    "r28-w7050-fbk-c3-call-refused-at-working-then-fallback": ("never-fails-back", "FB-3"),
    "r28-w7048-rtx3-retry-due-over-calls-refused-register": ("never-fails-back", "FB-0"),
    "r28-w7049-rtx3-register-and-call-503d-at-once": ("ignores-dnsttl", "FB-1"),
    "r28-w7050-reg2-probe-answered-before-give-up-phone-side": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r28-w7050-fo6-probe-fails-as-retry-falls-due": ("no-probing", "FBK-S3"),
    "r29-w7052-fbk-c3-retry-lookup-under-way-at-end": ("no-reregister-retry", "FBK-C3"),
    "r29-w7052-fbk-s1-maybe-late-200-only-resolved-target": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r29-w7054-fbk-s1-calls-handover-refused-before-retry": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r29-w7054-fo2-registration-fails-over-beside-calls-invite": (
        "registers-fallback-in-successive", "FBK-S1"),
    "r29-w7055-fbk-s3-retry-after-late-renewal-began-with-lookup": ("no-reregister-retry",
                                                                    "FBK-S3"),
    "r29-w7055-dns10-held-register-after-primary-refused": ("never-fails-back", "FB-1"),
    "r29-w7053-fb2-calls-join-opening-conn-to-current": ("always-fails-back", "FB-2"),
    "r29-w7055-fo6-call-joins-registrations-retry-conn": ("no-reregister-retry", "RTX-5"),
    "r29-w7052-rtx5-calls-register-then-refused-conn": ("no-reregister-retry", "RTX-5"),
    "r30-w7059-fb3-maybe-late-200-registered-before-retry": ("bye-to-new-server", "FO-4"),
    "r30-w7060-reg1-registrations-and-calls-lookups-failed": ("retries-too-few", "RTX-1"),
    "r30-w7058-rtx3-waiting-roe-register-refused": ("never-fails-back", "FB-0"),
    "r30-w7058-fb0-calls-refused-conn-ahead-of-roe-register": ("never-fails-back", "FB-0"),
    "r30-w7056-rtx5-retry-waits-for-calls-unsent-register-first": ("no-reregister-retry",
                                                                   "RTX-5"),
    "r30-w7056-rtx5-fallback-renewal-pending-at-end": ("no-probing", "FBK-S3"),
    "r30-w7056-fb0-call-placed-as-earlier-calls-register-ended": ("never-fails-back", "FB-0"),
    "r30-w7057-fo6-renewal-held-behind-lost-tls-ack": ("registers-fallback-in-successive",
                                                       "FBK-S1"),
    "r31-w7064-dns11-fallback-lost-before-probe-due-from-its-200": (
        "registers-fallback-in-successive", "FBK-S3"),
    "r31-w7061-rtx5-retry-from-top-under-fb3-stay": ("never-fails-back", "RTX-5"),
    "r31-w7068-fbks3-probe-reset-as-a-call-went-to-fallback": ("probes-wrong-interval",
                                                                "FBK-S3"),
    "r31-w7062-rtx5-renewal-after-calls-refused-connection": ("no-reregister-retry", "RTX-5"),
    "r31-w7061-fo6-invite-written-as-close-notify-left": ("registers-fallback-in-successive",
                                                          "FBK-S1"),
    "r32-w7069-fo6-registration-retry-beside-calls-conn": ("no-reregister-retry", "FBK-C3"),
    "r32-w7069-fbk-c3-retry-rides-calls-pending-conn": ("no-reregister-retry", "FBK-C3"),
    "r32-w7069-rtx5-retry-held-back-by-renewals-register": ("retries-too-few", "RTX-5"),
    "r32-w7070-rtx1-probe-on-its-own-lookup-after-moved-name": ("retries-too-few", "RTX-1"),
    "r33-w7072-fb1-ttl-learnt-during-the-stay": ("never-fails-back", "FB-1"),
    "r33-w7069-fo6-tls-invite-read-after-close": ("always-fails-back", "FB-3"),
    "r33-w7069-fb2-tls-invite-read-after-close": ("always-fails-back", "FB-2"),
    "r33-w7073-fbk-s2-register-lost-on-opened-tls-conn": ("retries-too-many", "FBK-S2"),
    "r33-w7072-fbk-s2-fallback-conn-in-calls-lookup-instant": ("no-reregister-retry",
                                                                 "FBK-S2"),
    "r33-w7072-rtx2-close-answered-before-closing-got-through": ("no-reregister-retry",
                                                                 "RTX-5"),
    "r34-w7075-fb2-call-refused-late-at-secondary": ("always-fails-back", "FB-2"),
    "r34-w7076-fo6-calls-conn-beside-reinvites": ("registers-fallback-in-successive",
                                                  "FBK-S1"),
    "r34-w7064-rtx2-fallback-renewal-refused-beside-probe": ("retries-too-many", "FO-6"),
    "r34-w7077-rtx5-fallback-renewal-failed-back-on-working": ("probes-wrong-interval",
                                                               "FBK-S3"),
    "r34-w7077-rtx2-tls-invite-waits-for-register-under-way": ("retries-too-few", "RTX-2"),
    "r34-w7078-fo6-registration-retry-after-calls-refusals": ("no-reregister-retry",
                                                              "FBK-C1"),
    "r34-w7040-fo6-call-given-up-before-refusal-heard": ("registers-fallback-in-successive",
                                                         "FBK-S1"),
    "r36-w7086-fo6-question-asked-after-its-give-up": ("registers-fallback-in-successive",
                                                       "FBK-S1"),
    "r36-w7086-fo6-earlier-try-read-late": ("bye-to-new-server", "FO-4"),
    "r36-w7086-rtx2-refused-after-renewal-gave-up": ("retries-too-few", "RTX-2"),
    "r36-w7086-rtx5-calls-move-on-after-fallback-lost": ("registers-fallback-in-successive",
                                                         "FBK-S1"),
    "r36-w7086-rtx4-refused-after-503-same-instant": ("no-reregister-retry", "RTX-5"),
    "r36-w7086-rtx2-tls-invite-held-behind-lost-renewal": ("retries-too-few", "RTX-2"),
    "r36-w7084-reg2-renewals-srv-question-lost-before-calls-lookup": ("no-reregister-retry",
                                                                      "REG-2"),
    "r36-review-reg2-retry-missed-call-after-due": ("no-reregister-retry", "REG-2"),
    "r38-w7087-fb3-register-answer-held-past-give-up": ("always-fails-back", "FB-3"),
    "r38-w7087-fb3-invite-answer-held-past-give-up": ("always-fails-back", "FB-3"),
    "r38-w7092-fb0-call-lookup-gave-primary-up-before-nameless-target": ("never-fails-back",
                                                                          "FB-0"),
    "r37-w7091-rtx3-fallback-after-503-and-reask-in-vain": ("no-reregister-retry", "DNS-11"),
    "r37-w7092-rtx5-registers-answer-at-give-up-not-taken": ("no-reregister-retry", "RTX-5"),
    "r37-w7094-fb1-calls-a-second-apart-refused-at-primary": ("ignores-dnsttl", "FB-1"),
    "r38-w7090-fo6-call-through-a-slow-secondary": ("registers-before-secondary", "RTX-5"),
    "r37-w7087-fbkc3-calls-lookup-given-up-after-working-answered": ("no-reregister-retry",
                                                                     "FBK-C3"),
    "r37-w7087-rtx5-fb2-address-questions-given-up-behind-other-lookups": ("never-fails-back",
                                                                           "FB-2"),
    "r38-w7098-dns10-call-rides-renewals-register": ("never-fails-back", "FB-0"),
    "r38-w7098-rtx5-roe-register-as-call-gave-conn-up": ("retries-too-many", "RTX-5"),
    "r38-w7100-fbkc3-calls-roe-register-while-registered": ("retries-too-few", "FBK-C3"),
}


class ExploreWorldTests(SynchronousTestCase):
    def test_golden_phone_passes_every_world(self) -> None:
        paths = find_scenarios([str(EXPLORE)])
        self.assertGreaterEqual(len(paths), 2)
        for path in paths:
            result = run_scenario(load_scenario(path))
            failed = [f"{v.clause}: {v.summary}" for v in result.verdicts if v.status == "fail"]
            self.assertEqual(failed, [], path.name)

    def test_defects_still_fail(self) -> None:
        for name, (defect, clause) in MUST_FAIL.items():
            result = run_scenario(load_scenario(EXPLORE / f"{name}.toml"),
                                  defects=Defects.of(defect))
            status = {v.clause: v.status for v in result.verdicts}
            self.assertEqual(status.get(clause), "fail", f"{name} with {defect}")
