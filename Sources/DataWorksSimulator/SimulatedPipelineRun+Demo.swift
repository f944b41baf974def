import DataWorksAPI

extension SimulatedPipelineRun {
    /// The demo set, in the demo workspace (``SimulatedDeployment/demoProjectId``), relative to `now`:
    ///
    /// - `3ee7e4f0-…`: succeeded three hours ago;
    /// - `7a84e199-…`: moving: started a few seconds before `now`, each stage 45 s, succeeds after ~4 minutes;
    /// - `8561ab79-…`: waits at the manual `PROD` (Deploy) stage, every earlier stage done;
    /// - `53ab04f6-…`: failed at `PROD_CHECK` (Check) with a message;
    /// - `48523e27-…`: cancelled during the build;
    /// - `c337db7a-…`: terminated at the production stage;
    /// - `43add2a0-…`: created, not started yet (`Init`).
    ///
    /// The Ids are those of `samples/2024`.
    ///
    /// - Parameter now: The current time in epoch milliseconds.
    public static func demoSet(now: Int64) -> [SimulatedPipelineRun] {
        let minute: Int64 = 60_000
        let project = SimulatedDeployment.demoProjectId
        func node(_ id: String, _ name: String, _ type: String = "Node", version: Int = 1) -> PipelineRunItem {
            PipelineRunItem(id: id, name: name, type: type, version: version)
        }
        return [
            SimulatedPipelineRun(
                id: "3ee7e4f0-7f80-4349-baa8-b987272f31d8",
                projectId: project,
                creator: "207312548861234501",
                description: "Release wf_user_profile",
                items: [
                    node("7015393021849716736", "wf_user_profile", "WorkflowDefinition", version: 4),
                    node("7015393021849716737", "ods_user_info_d", version: 3),
                    node("7015393021849716738", "dwd_user_profile_df", version: 5),
                ],
                createTime: now - 180 * minute,
                stageDuration: minute
            ),
            SimulatedPipelineRun(
                id: "7a84e199-7f34-4997-8461-c35568b842d1",
                projectId: project,
                creator: "207312548861234501",
                description: "Release dwd_user_profile_df",
                items: [node("7015393021849716738", "dwd_user_profile_df", version: 6)],
                createTime: now - 10_000,
                stageDuration: 45_000
            ),
            SimulatedPipelineRun(
                id: "8561ab79-e343-45ff-b3af-e891d4ef2dcc",
                projectId: project,
                creator: "207312548861234502",
                description: "Release wf_user_profile to production",
                items: [node("7015393021849716736", "wf_user_profile", "WorkflowDefinition", version: 5)],
                createTime: now - 20 * minute,
                stageDuration: minute,
                manualGateStep: 5
            ),
            SimulatedPipelineRun(
                id: "53ab04f6-a1af-44ac-99ae-fa3df618c993",
                projectId: project,
                creator: "1634000012345678",
                description: "Release dwd_orders_di",
                items: [
                    node("7015393021849716802", "dwd_orders_di", version: 7),
                    node("7015393021849716803", "udf_parse_ua.jar", "Resource", version: 2),
                ],
                createTime: now - 60 * minute,
                stageDuration: minute,
                outcome: .fail(
                    step: 4,
                    message: "NodeParentDependency: upstream node ods_orders_di (7015393021849716801) is not "
                        + "deployed to production."
                )
            ),
            SimulatedPipelineRun(
                id: "48523e27-8173-411c-b195-b2bbc9494487",
                projectId: project,
                creator: "207312548861234502",
                description: "Release ads_daily_report_d",
                items: [node("7015393021849716810", "ads_daily_report_d", version: 2)],
                createTime: now - 300 * minute,
                stageDuration: minute,
                outcome: .cancel(step: 1)
            ),
            SimulatedPipelineRun(
                id: "c337db7a-2a7f-4600-aa53-fd866cf92fcf",
                projectId: project,
                creator: "207312548861234501",
                description: "Release dws_user_active_d",
                items: [node("7015393021849716812", "dws_user_active_d", version: 9)],
                createTime: now - 240 * minute,
                stageDuration: minute,
                outcome: .termination(step: 5)
            ),
            SimulatedPipelineRun(
                id: "43add2a0-6531-483b-9463-a0053d5f9f4a",
                projectId: project,
                creator: "207312548861234501",
                description: "Release ods_user_info_d",
                items: [node("7015393021849716737", "ods_user_info_d", version: 4)],
                createTime: now - minute,
                startDelay: 24 * 60 * minute,
                stageDuration: minute
            ),
        ]
    }
}

extension SimulatedCrossProjectPipelineRun {
    /// The demo set of cross-project runs from the demo workspace to `dw_project_prod` (DeploymentEnvironmentId 101),
    /// relative to `now`: one `Building`, one `Ready` (waiting to be executed), one `Running` that succeeds a few
    /// minutes later, one `Success`, one `Fail` with `ErrorCode`/`ErrorMessage`, one `Termination`. The Ids are those
    /// of `samples/2024`.
    ///
    /// - Parameter now: The current time in epoch milliseconds.
    public static func demoSet(now: Int64) -> [SimulatedCrossProjectPipelineRun] {
        let minute: Int64 = 60_000
        let project = SimulatedDeployment.demoProjectId
        func run(
            _ id: String,
            _ objectId: String,
            _ objectName: String,
            _ objectType: String,
            change: String,
            version: String,
            creator: String,
            description: String
        ) -> CrossProjectPipelineRun {
            CrossProjectPipelineRun(
                pipelineRunId: id,
                deploymentEnvironmentId: 101,
                objectId: objectId,
                objectName: objectName,
                objectType: objectType,
                objectVersion: version,
                changeType: change,
                description: description,
                creator: creator,
                executor: "207312548861234502"
            )
        }
        func root(_ run: CrossProjectPipelineRun) -> CrossProjectPipelineRunItem {
            CrossProjectPipelineRunItem(
                objectId: run.objectId,
                objectName: run.objectName,
                objectType: run.objectType,
                objectVersion: run.objectVersion,
                changeType: run.changeType,
                isRoot: true
            )
        }
        let building = run(
            "632d6c64-8153-4ef6-9a0c-38e6e39b2fa4",
            "7015393021849716736",
            "wf_user_profile",
            "CycleWorkflow",
            change: "UPDATE",
            version: "5",
            creator: "207312548861234501",
            description: "Promote wf_user_profile to dw_project_prod"
        )
        let ready = run(
            "500cdcdb-a0f7-4a79-91a6-a07c193c8fa8",
            "7015393021849716810",
            "ads_daily_report_d",
            "ODPS_SQL",
            change: "ADD",
            version: "2",
            creator: "207312548861234502",
            description: "Publish ads_daily_report_d to dw_project_prod"
        )
        let running = run(
            "368cccdb-cad4-4c06-8bd0-31c00be2bc95",
            "7015393021849716738",
            "dwd_user_profile_df",
            "ODPS_SQL",
            change: "UPDATE",
            version: "5",
            creator: "207312548861234501",
            description: "Promote dwd_user_profile_df"
        )
        let success = run(
            "185473a4-7504-48b8-8562-4450dbc0201a",
            "7015393021849716736",
            "wf_user_profile",
            "CycleWorkflow",
            change: "UPDATE",
            version: "4",
            creator: "207312548861234501",
            description: "Promote wf_user_profile to dw_project_prod"
        )
        let fail = run(
            "9102eaf2-43c1-4fed-a7c9-626b825d186c",
            "7015393021849716802",
            "dwd_orders_di",
            "ODPS_SQL",
            change: "UPDATE",
            version: "7",
            creator: "1634000012345678",
            description: "Promote dwd_orders_di"
        )
        let termination = run(
            "b1d0474d-2248-40a9-b7a7-16146c0e4edf",
            "7015393021849716815",
            "sh_export_partner_feed",
            "DIDE_SHELL",
            change: "DELETE",
            version: "3",
            creator: "207312548861234502",
            description: "Remove sh_export_partner_feed from dw_project_prod"
        )
        return [
            SimulatedCrossProjectPipelineRun(
                run: building,
                projectId: project,
                createTime: now - 30_000,
                buildDuration: 24 * 60 * minute,
                runDuration: minute,
                items: [root(building)]
            ),
            SimulatedCrossProjectPipelineRun(
                run: ready,
                projectId: project,
                createTime: now - 40 * minute,
                buildDuration: minute,
                runDuration: minute,
                items: [root(ready)]
            ),
            SimulatedCrossProjectPipelineRun(
                run: running,
                projectId: project,
                createTime: now - 5 * minute,
                buildDuration: minute,
                executeTime: now - minute,
                runDuration: 4 * minute,
                items: [root(running)]
            ),
            SimulatedCrossProjectPipelineRun(
                run: success,
                projectId: project,
                createTime: now - 120 * minute,
                buildDuration: minute,
                executeTime: now - 115 * minute,
                runDuration: minute,
                items: [
                    root(success),
                    CrossProjectPipelineRunItem(
                        objectId: "7015393021849716737",
                        objectName: "ods_user_info_d",
                        objectType: "ODPS_SQL",
                        objectVersion: "3",
                        changeType: "UPDATE",
                        isRoot: false,
                        parentObjectId: success.objectId
                    ),
                ]
            ),
            SimulatedCrossProjectPipelineRun(
                run: fail,
                projectId: project,
                createTime: now - 90 * minute,
                buildDuration: minute,
                executeTime: now - 89 * minute,
                runDuration: 30_000,
                failure: .init(
                    code: "Invalid.Deploy.DependencyMissing",
                    message: "The upstream node ods_orders_di does not exist in the target workspace dw_project_prod."
                ),
                items: [root(fail)]
            ),
            SimulatedCrossProjectPipelineRun(
                run: termination,
                projectId: project,
                createTime: now - 240 * minute,
                buildDuration: minute,
                runDuration: minute,
                abolishTime: now - 180 * minute,
                items: [root(termination)]
            ),
        ]
    }
}
