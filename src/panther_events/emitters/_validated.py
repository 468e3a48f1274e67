"""The ``emit_<event>_with_validation`` names: one line each, declared from the event class.

``EmitterRegistry`` inherits them. Each builds its event from exactly the class's parameters
and hands it to ``emit_with_validation``: the entity's state machine is checked and moved, the
event is emitted and True returned; when the lifecycle forbids the event, nothing is emitted,
the reason is logged and False returned. There is one for every event type of the transition
table (``states/mapping.py``: ``EVENT_TRANSITIONS`` and ``PHASE_EVENTS``) but ``test.completed``,
whose name the registry gives to its spec'd verdict method.
"""

from __future__ import annotations

from ..events import assertion, environment, experiment, plugin, service, step, test
from ._declare import validated

__all__ = ["ValidatedLifecycleEmits"]


class ValidatedLifecycleEmits:
    """The ``emit_<event>_with_validation`` methods; see the module docstring.

    Subclasses provide ``emit_with_validation(event) -> bool``.
    """

    # experiment
    emit_experiment_initialized_with_validation = validated(experiment.ExperimentInitializedEvent)
    emit_experiment_plugin_loading_started_with_validation = validated(
        experiment.ExperimentPluginLoadingStartedEvent
    )
    emit_experiment_plugin_loading_completed_with_validation = validated(
        experiment.ExperimentPluginLoadingCompletedEvent
    )
    emit_experiment_test_cases_initialized_with_validation = validated(
        experiment.ExperimentTestCasesInitializedEvent
    )
    emit_experiment_execution_started_with_validation = validated(
        experiment.ExperimentExecutionStartedEvent
    )
    emit_experiment_execution_completed_with_validation = validated(
        experiment.ExperimentExecutionCompletedEvent
    )
    emit_experiment_finished_early_with_validation = validated(
        experiment.ExperimentFinishedEarlyEvent
    )
    emit_experiment_completed_with_validation = validated(experiment.ExperimentCompletedEvent)
    emit_experiment_failed_with_validation = validated(experiment.ExperimentFailedEvent)
    emit_experiment_plugin_loading_failed_with_validation = validated(
        experiment.ExperimentPluginLoadingFailedEvent
    )
    emit_experiment_execution_failed_with_validation = validated(
        experiment.ExperimentExecutionFailedEvent
    )
    emit_experiment_service_failure_with_validation = validated(
        experiment.ExperimentServiceFailureEvent
    )
    # test
    emit_test_created_with_validation = validated(test.TestCreatedEvent)
    emit_test_setup_started_with_validation = validated(test.TestSetupStartedEvent)
    emit_test_setup_completed_with_validation = validated(test.TestSetupCompletedEvent)
    emit_test_environment_setup_started_with_validation = validated(
        test.TestEnvironmentSetupStartedEvent
    )
    emit_test_environment_setup_completed_with_validation = validated(
        test.TestEnvironmentSetupCompletedEvent
    )
    emit_test_deployment_started_with_validation = validated(test.TestDeploymentStartedEvent)
    emit_test_deployment_completed_with_validation = validated(test.TestDeploymentCompletedEvent)
    emit_test_execution_started_with_validation = validated(test.TestExecutionStartedEvent)
    emit_test_assertions_started_with_validation = validated(test.TestAssertionsStartedEvent)
    emit_test_assertions_completed_with_validation = validated(test.TestAssertionsCompletedEvent)
    emit_test_execution_completed_with_validation = validated(test.TestExecutionCompletedEvent)
    emit_test_teardown_started_with_validation = validated(test.TestTeardownStartedEvent)
    emit_test_teardown_completed_with_validation = validated(test.TestTeardownCompletedEvent)
    emit_test_failed_with_validation = validated(test.TestFailedEvent)
    emit_test_setup_failed_with_validation = validated(test.TestSetupFailedEvent)
    emit_test_environment_setup_failed_with_validation = validated(
        test.TestEnvironmentSetupFailedEvent
    )
    emit_test_deployment_failed_with_validation = validated(test.TestDeploymentFailedEvent)
    emit_test_step_started_with_validation = validated(test.TestStepStartedEvent)
    emit_test_step_completed_with_validation = validated(test.TestStepCompletedEvent)
    emit_test_step_failed_with_validation = validated(test.TestStepFailedEvent)
    emit_test_assertion_checked_with_validation = validated(test.TestAssertionCheckedEvent)
    emit_test_assertions_failed_with_validation = validated(test.TestAssertionsFailedEvent)
    emit_test_execution_failed_with_validation = validated(test.TestExecutionFailedEvent)
    # service
    emit_service_created_with_validation = validated(service.ServiceCreatedEvent)
    emit_service_preparation_started_with_validation = validated(
        service.ServicePreparationStartedEvent
    )
    emit_service_preparation_completed_with_validation = validated(
        service.ServicePreparationCompletedEvent
    )
    emit_service_preparation_failed_with_validation = validated(
        service.ServicePreparationFailedEvent
    )
    emit_service_deployment_started_with_validation = validated(
        service.ServiceDeploymentStartedEvent
    )
    emit_service_deployment_completed_with_validation = validated(
        service.ServiceDeploymentCompletedEvent
    )
    emit_service_deployment_failed_with_validation = validated(service.ServiceDeploymentFailedEvent)
    emit_service_started_with_validation = validated(service.ServiceStartedEvent)
    emit_service_ready_with_validation = validated(service.ServiceReadyEvent)
    emit_service_stopping_with_validation = validated(service.ServiceStoppingEvent)
    emit_service_stopped_with_validation = validated(service.ServiceStoppedEvent)
    emit_service_error_with_validation = validated(service.ServiceErrorEvent)
    emit_service_destroyed_with_validation = validated(service.ServiceDestroyedEvent)
    emit_service_health_check_passed_with_validation = validated(
        service.ServiceHealthCheckPassedEvent
    )
    emit_service_health_check_failed_with_validation = validated(
        service.ServiceHealthCheckFailedEvent
    )
    # environment
    emit_environment_created_with_validation = validated(environment.EnvironmentCreatedEvent)
    emit_environment_setup_started_with_validation = validated(
        environment.EnvironmentSetupStartedEvent
    )
    emit_network_setup_started_with_validation = validated(environment.NetworkSetupStartedEvent)
    emit_network_setup_completed_with_validation = validated(environment.NetworkSetupCompletedEvent)
    emit_network_setup_failed_with_validation = validated(environment.NetworkSetupFailedEvent)
    emit_environment_setup_completed_with_validation = validated(
        environment.EnvironmentSetupCompletedEvent
    )
    emit_environment_setup_failed_with_validation = validated(
        environment.EnvironmentSetupFailedEvent
    )
    emit_environment_teardown_started_with_validation = validated(
        environment.EnvironmentTeardownStartedEvent
    )
    emit_network_teardown_started_with_validation = validated(
        environment.NetworkTeardownStartedEvent
    )
    emit_network_teardown_completed_with_validation = validated(
        environment.NetworkTeardownCompletedEvent
    )
    emit_environment_teardown_completed_with_validation = validated(
        environment.EnvironmentTeardownCompletedEvent
    )
    emit_environment_teardown_failed_with_validation = validated(
        environment.EnvironmentTeardownFailedEvent
    )
    emit_environment_error_with_validation = validated(environment.EnvironmentErrorEvent)
    # plugin
    emit_plugin_loading_started_with_validation = validated(plugin.PluginLoadingStartedEvent)
    emit_plugin_loading_completed_with_validation = validated(plugin.PluginLoadingCompletedEvent)
    emit_plugin_loaded_with_validation = validated(plugin.PluginLoadedEvent)
    emit_plugin_loading_failed_with_validation = validated(plugin.PluginLoadingFailedEvent)
    emit_plugin_initialized_with_validation = validated(plugin.PluginInitializedEvent)
    emit_plugin_started_with_validation = validated(plugin.PluginStartedEvent)
    emit_plugin_stopped_with_validation = validated(plugin.PluginStoppedEvent)
    emit_plugin_error_with_validation = validated(plugin.PluginErrorEvent)
    # step
    emit_step_execution_started_with_validation = validated(step.StepExecutionStartedEvent)
    emit_step_execution_completed_with_validation = validated(step.StepExecutionCompletedEvent)
    emit_step_execution_failed_with_validation = validated(step.StepExecutionFailedEvent)
    emit_step_skipped_with_validation = validated(step.StepSkippedEvent)
    emit_step_unsupported_with_validation = validated(step.StepUnsupportedEvent)
    emit_step_progress_with_validation = validated(step.StepProgressEvent)
    # assertion
    emit_assertions_validation_started_with_validation = validated(
        assertion.AssertionsValidationStartedEvent
    )
    emit_assertions_validation_completed_with_validation = validated(
        assertion.AssertionsValidationCompletedEvent
    )
    emit_assertion_error_with_validation = validated(assertion.AssertionErrorEvent)
    emit_assertion_unknown_with_validation = validated(assertion.AssertionUnknownEvent)
    emit_assertion_progress_with_validation = validated(assertion.AssertionProgressEvent)
    emit_assertion_result_with_validation = validated(assertion.AssertionResultEvent)
