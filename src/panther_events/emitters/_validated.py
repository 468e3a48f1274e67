"""Validated emits for the whole lifecycle of every entity kind, one method per event type.

``EmitterRegistry`` inherits them. Each method builds its event from exactly the class's
parameters and hands it to ``emit_with_validation``: the entity's state machine is checked
and moved, the event is emitted and True returned; when the lifecycle forbids the event,
nothing is emitted, the reason is logged and False returned.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..events.assertion import (
    AssertionErrorEvent,
    AssertionProgressEvent,
    AssertionResultEvent,
    AssertionsValidationCompletedEvent,
    AssertionsValidationStartedEvent,
    AssertionUnknownEvent,
)
from ..events.base import BaseEvent
from ..events.environment import (
    EnvironmentCreatedEvent,
    EnvironmentErrorEvent,
    EnvironmentSetupCompletedEvent,
    EnvironmentSetupFailedEvent,
    EnvironmentSetupStartedEvent,
    EnvironmentTeardownCompletedEvent,
    EnvironmentTeardownFailedEvent,
    EnvironmentTeardownStartedEvent,
    NetworkSetupCompletedEvent,
    NetworkSetupFailedEvent,
    NetworkSetupStartedEvent,
    NetworkTeardownCompletedEvent,
    NetworkTeardownStartedEvent,
)
from ..events.experiment import (
    ExperimentCompletedEvent,
    ExperimentExecutionCompletedEvent,
    ExperimentExecutionFailedEvent,
    ExperimentExecutionStartedEvent,
    ExperimentFailedEvent,
    ExperimentFinishedEarlyEvent,
    ExperimentInitializedEvent,
    ExperimentPluginLoadingCompletedEvent,
    ExperimentPluginLoadingFailedEvent,
    ExperimentPluginLoadingStartedEvent,
    ExperimentServiceFailureEvent,
    ExperimentTestCasesInitializedEvent,
)
from ..events.plugin import (
    PluginErrorEvent,
    PluginInitializedEvent,
    PluginLoadedEvent,
    PluginLoadingCompletedEvent,
    PluginLoadingFailedEvent,
    PluginLoadingStartedEvent,
    PluginStartedEvent,
    PluginStoppedEvent,
)
from ..events.service import (
    ServiceCreatedEvent,
    ServiceDeploymentCompletedEvent,
    ServiceDeploymentFailedEvent,
    ServiceDeploymentStartedEvent,
    ServiceDestroyedEvent,
    ServiceErrorEvent,
    ServiceHealthCheckFailedEvent,
    ServiceHealthCheckPassedEvent,
    ServicePreparationCompletedEvent,
    ServicePreparationFailedEvent,
    ServicePreparationStartedEvent,
    ServiceReadyEvent,
    ServiceStartedEvent,
    ServiceStoppedEvent,
    ServiceStoppingEvent,
)
from ..events.step import (
    StepExecutionCompletedEvent,
    StepExecutionFailedEvent,
    StepExecutionStartedEvent,
    StepProgressEvent,
    StepSkippedEvent,
    StepUnsupportedEvent,
)
from ..events.test import (
    TestAssertionCheckedEvent,
    TestAssertionsCompletedEvent,
    TestAssertionsFailedEvent,
    TestAssertionsStartedEvent,
    TestCreatedEvent,
    TestDeploymentCompletedEvent,
    TestDeploymentFailedEvent,
    TestDeploymentStartedEvent,
    TestEnvironmentSetupCompletedEvent,
    TestEnvironmentSetupFailedEvent,
    TestEnvironmentSetupStartedEvent,
    TestExecutionCompletedEvent,
    TestExecutionFailedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestSetupCompletedEvent,
    TestSetupFailedEvent,
    TestSetupStartedEvent,
    TestStepCompletedEvent,
    TestStepFailedEvent,
    TestStepStartedEvent,
    TestTeardownCompletedEvent,
    TestTeardownStartedEvent,
)

__all__ = ["ValidatedLifecycleEmits"]


class ValidatedLifecycleEmits(ABC):
    """The ``emit_<event>_with_validation`` methods; see the module docstring."""

    @abstractmethod
    def emit_with_validation(self, event: BaseEvent) -> bool:
        """Check and move the event's state machine, then emit; False when forbidden."""

    def emit_experiment_initialized_with_validation(
        self, experiment_id: str, config: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``experiment.initialized``: moves the experiment to
        ``initialized``.
        """
        return self.emit_with_validation(
            ExperimentInitializedEvent(experiment_id=experiment_id, config=config)
        )

    def emit_experiment_plugin_loading_started_with_validation(
        self, experiment_id: str, plugin_count: int | None = None
    ) -> bool:
        """Validate and emit ``experiment.plugin_loading_started``: moves the experiment to
        ``loading_plugins``.
        """
        return self.emit_with_validation(
            ExperimentPluginLoadingStartedEvent(
                experiment_id=experiment_id, plugin_count=plugin_count
            )
        )

    def emit_experiment_plugin_loading_completed_with_validation(
        self,
        experiment_id: str,
        loaded_plugins: list[str] | None = None,
        plugin_count: int | None = None,
    ) -> bool:
        """Validate and emit ``experiment.plugin_loading_completed``: moves the experiment to
        ``plugins_loaded``.
        """
        return self.emit_with_validation(
            ExperimentPluginLoadingCompletedEvent(
                experiment_id=experiment_id,
                loaded_plugins=loaded_plugins,
                plugin_count=plugin_count,
            )
        )

    def emit_experiment_test_cases_initialized_with_validation(
        self, experiment_id: str, test_count: int, test_names: list[str] | None = None
    ) -> bool:
        """Validate and emit ``experiment.test_cases_initialized``: moves the experiment to
        ``tests_initialized``.
        """
        return self.emit_with_validation(
            ExperimentTestCasesInitializedEvent(
                experiment_id=experiment_id, test_count=test_count, test_names=test_names
            )
        )

    def emit_experiment_execution_started_with_validation(
        self, experiment_id: str, test_count: int | None = None
    ) -> bool:
        """Validate and emit ``experiment.execution_started``: moves the experiment to
        ``executing``.
        """
        return self.emit_with_validation(
            ExperimentExecutionStartedEvent(experiment_id=experiment_id, test_count=test_count)
        )

    def emit_experiment_execution_completed_with_validation(
        self,
        experiment_id: str,
        success_count: int,
        failure_count: int,
        total_count: int,
        duration_seconds: float | None = None,
    ) -> bool:
        """Validate and emit ``experiment.execution_completed``: moves the experiment to
        ``executed``.
        """
        return self.emit_with_validation(
            ExperimentExecutionCompletedEvent(
                experiment_id=experiment_id,
                success_count=success_count,
                failure_count=failure_count,
                total_count=total_count,
                duration_seconds=duration_seconds,
            )
        )

    def emit_experiment_finished_early_with_validation(
        self, experiment_id: str, reason: str, details: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``experiment.finished_early``: moves the experiment to
        ``finished_early``.
        """
        return self.emit_with_validation(
            ExperimentFinishedEarlyEvent(
                experiment_id=experiment_id, reason=reason, details=details
            )
        )

    def emit_experiment_completed_with_validation(
        self, experiment_id: str, summary: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``experiment.completed``: moves the experiment to ``completed``."""
        return self.emit_with_validation(
            ExperimentCompletedEvent(experiment_id=experiment_id, summary=summary)
        )

    def emit_experiment_failed_with_validation(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``experiment.failed``: moves the experiment to ``failed``."""
        return self.emit_with_validation(
            ExperimentFailedEvent(
                experiment_id=experiment_id,
                error_message=error_message,
                error_type=error_type,
                summary=summary,
            )
        )

    def emit_experiment_plugin_loading_failed_with_validation(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        failed_plugins: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``experiment.plugin_loading_failed``: legal while the experiment
        is ``loading_plugins``.
        """
        return self.emit_with_validation(
            ExperimentPluginLoadingFailedEvent(
                experiment_id=experiment_id,
                error_message=error_message,
                error_type=error_type,
                failed_plugins=failed_plugins,
            )
        )

    def emit_experiment_execution_failed_with_validation(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        phase: str | None = None,
    ) -> bool:
        """Validate and emit ``experiment.execution_failed``: legal while the experiment is
        ``executing``.
        """
        return self.emit_with_validation(
            ExperimentExecutionFailedEvent(
                experiment_id=experiment_id,
                error_message=error_message,
                error_type=error_type,
                phase=phase,
            )
        )

    def emit_experiment_service_failure_with_validation(
        self,
        experiment_id: str,
        failed_service: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``experiment.service_failure``: legal while the experiment is
        ``executed``, ``executing``, ``finished_early``, ``initialized``,
        ``loading_plugins``, ``plugins_loaded``, ``tests_initialized``.
        """
        return self.emit_with_validation(
            ExperimentServiceFailureEvent(
                experiment_id=experiment_id,
                failed_service=failed_service,
                reason=reason,
                details=details,
            )
        )

    def emit_test_created_with_validation(
        self,
        test_id: str,
        test_name: str,
        description: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``test.created``: moves the test to ``created``."""
        return self.emit_with_validation(
            TestCreatedEvent(
                test_id=test_id, test_name=test_name, description=description, config=config
            )
        )

    def emit_test_setup_started_with_validation(
        self, test_id: str, service_count: int | None = None, service_names: list[str] | None = None
    ) -> bool:
        """Validate and emit ``test.setup_started``: moves the test to ``setting_up``."""
        return self.emit_with_validation(
            TestSetupStartedEvent(
                test_id=test_id, service_count=service_count, service_names=service_names
            )
        )

    def emit_test_setup_completed_with_validation(
        self, test_id: str, services: list[str] | None = None, duration_seconds: float | None = None
    ) -> bool:
        """Validate and emit ``test.setup_completed``: moves the test to ``set_up``."""
        return self.emit_with_validation(
            TestSetupCompletedEvent(
                test_id=test_id, services=services, duration_seconds=duration_seconds
            )
        )

    def emit_test_environment_setup_started_with_validation(
        self, test_id: str, environment_type: str, environment_config: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``test.environment_setup_started``: moves the test to
        ``setting_up_environment``.
        """
        return self.emit_with_validation(
            TestEnvironmentSetupStartedEvent(
                test_id=test_id,
                environment_type=environment_type,
                environment_config=environment_config,
            )
        )

    def emit_test_environment_setup_completed_with_validation(
        self, test_id: str, environment_type: str, environment_details: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``test.environment_setup_completed``: moves the test to
        ``environment_ready``.
        """
        return self.emit_with_validation(
            TestEnvironmentSetupCompletedEvent(
                test_id=test_id,
                environment_type=environment_type,
                environment_details=environment_details,
            )
        )

    def emit_test_deployment_started_with_validation(
        self, test_id: str, services_to_deploy: list[str] | None = None
    ) -> bool:
        """Validate and emit ``test.deployment_started``: moves the test to ``deploying``."""
        return self.emit_with_validation(
            TestDeploymentStartedEvent(test_id=test_id, services_to_deploy=services_to_deploy)
        )

    def emit_test_deployment_completed_with_validation(
        self,
        test_id: str,
        deployed_services: list[str] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``test.deployment_completed``: moves the test to ``deployed``."""
        return self.emit_with_validation(
            TestDeploymentCompletedEvent(
                test_id=test_id,
                deployed_services=deployed_services,
                deployment_details=deployment_details,
            )
        )

    def emit_test_execution_started_with_validation(
        self, test_id: str, steps: list[str] | None = None, expected_duration: float | None = None
    ) -> bool:
        """Validate and emit ``test.execution_started``: moves the test to ``executing``."""
        return self.emit_with_validation(
            TestExecutionStartedEvent(
                test_id=test_id, steps=steps, expected_duration=expected_duration
            )
        )

    def emit_test_assertions_started_with_validation(
        self, test_id: str, assertions: list[str] | None = None
    ) -> bool:
        """Validate and emit ``test.assertions_started``: moves the test to ``validating``."""
        return self.emit_with_validation(
            TestAssertionsStartedEvent(test_id=test_id, assertions=assertions)
        )

    def emit_test_assertions_completed_with_validation(
        self,
        test_id: str,
        total_assertions: int,
        passed_assertions: int,
        failed_assertions: int,
        all_passed: bool,
    ) -> bool:
        """Validate and emit ``test.assertions_completed``: moves the test to ``validated``."""
        return self.emit_with_validation(
            TestAssertionsCompletedEvent(
                test_id=test_id,
                total_assertions=total_assertions,
                passed_assertions=passed_assertions,
                failed_assertions=failed_assertions,
                all_passed=all_passed,
            )
        )

    def emit_test_execution_completed_with_validation(
        self,
        test_id: str,
        duration_seconds: float | None = None,
        steps_completed: int | None = None,
        assertions_passed: int | None = None,
    ) -> bool:
        """Validate and emit ``test.execution_completed``: moves the test to ``executed``."""
        return self.emit_with_validation(
            TestExecutionCompletedEvent(
                test_id=test_id,
                duration_seconds=duration_seconds,
                steps_completed=steps_completed,
                assertions_passed=assertions_passed,
            )
        )

    def emit_test_teardown_started_with_validation(self, test_id: str) -> bool:
        """Validate and emit ``test.teardown_started``: moves the test to ``tearing_down``."""
        return self.emit_with_validation(TestTeardownStartedEvent(test_id=test_id))

    def emit_test_teardown_completed_with_validation(
        self, test_id: str, duration_seconds: float | None = None
    ) -> bool:
        """Validate and emit ``test.teardown_completed``: moves the test to ``torn_down``."""
        return self.emit_with_validation(
            TestTeardownCompletedEvent(test_id=test_id, duration_seconds=duration_seconds)
        )

    def emit_test_failed_with_validation(
        self,
        test_id: str,
        test_name: str | None = None,
        error_message: str = "",
        error_type: str | None = None,
        phase: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``test.failed``: moves the test to ``failed``."""
        return self.emit_with_validation(
            TestFailedEvent(
                test_id=test_id,
                test_name=test_name,
                error_message=error_message,
                error_type=error_type,
                phase=phase,
                summary=summary,
            )
        )

    def emit_test_setup_failed_with_validation(
        self,
        test_id: str,
        error_message: str,
        error_type: str | None = None,
        failed_component: str | None = None,
    ) -> bool:
        """Validate and emit ``test.setup_failed``: legal while the test is ``deployed``,
        ``deploying``, ``environment_ready``, ``setting_up``, ``setting_up_environment``.
        """
        return self.emit_with_validation(
            TestSetupFailedEvent(
                test_id=test_id,
                error_message=error_message,
                error_type=error_type,
                failed_component=failed_component,
            )
        )

    def emit_test_environment_setup_failed_with_validation(
        self, test_id: str, environment_type: str, error_message: str, error_type: str | None = None
    ) -> bool:
        """Validate and emit ``test.environment_setup_failed``: legal while the test is
        ``setting_up_environment``.
        """
        return self.emit_with_validation(
            TestEnvironmentSetupFailedEvent(
                test_id=test_id,
                environment_type=environment_type,
                error_message=error_message,
                error_type=error_type,
            )
        )

    def emit_test_deployment_failed_with_validation(
        self,
        test_id: str,
        error_message: str,
        failed_services: list[str] | None = None,
        error_type: str | None = None,
    ) -> bool:
        """Validate and emit ``test.deployment_failed``: legal while the test is ``deploying``."""
        return self.emit_with_validation(
            TestDeploymentFailedEvent(
                test_id=test_id,
                error_message=error_message,
                failed_services=failed_services,
                error_type=error_type,
            )
        )

    def emit_test_step_started_with_validation(
        self,
        test_id: str,
        step_name: str,
        step_type: str | None = None,
        step_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``test.step_started``: legal while the test is ``executing``."""
        return self.emit_with_validation(
            TestStepStartedEvent(
                test_id=test_id, step_name=step_name, step_type=step_type, step_config=step_config
            )
        )

    def emit_test_step_completed_with_validation(
        self,
        test_id: str,
        step_name: str,
        duration_seconds: float | None = None,
        result: Any = None,
    ) -> bool:
        """Validate and emit ``test.step_completed``: legal while the test is ``executing``."""
        return self.emit_with_validation(
            TestStepCompletedEvent(
                test_id=test_id,
                step_name=step_name,
                duration_seconds=duration_seconds,
                result=result,
            )
        )

    def emit_test_step_failed_with_validation(
        self, test_id: str, step_name: str, error_message: str, error_type: str | None = None
    ) -> bool:
        """Validate and emit ``test.step_failed``: legal while the test is ``executing``."""
        return self.emit_with_validation(
            TestStepFailedEvent(
                test_id=test_id,
                step_name=step_name,
                error_message=error_message,
                error_type=error_type,
            )
        )

    def emit_test_assertion_checked_with_validation(
        self,
        test_id: str,
        assertion_type: str,
        assertion_config: dict[str, Any],
        passed: bool,
        result: Any = None,
    ) -> bool:
        """Validate and emit ``test.assertion_checked``: legal while the test is ``executing``,
        ``validating``.
        """
        return self.emit_with_validation(
            TestAssertionCheckedEvent(
                test_id=test_id,
                assertion_type=assertion_type,
                assertion_config=assertion_config,
                passed=passed,
                result=result,
            )
        )

    def emit_test_assertions_failed_with_validation(
        self, test_id: str, error_message: str, error_type: str | None = None
    ) -> bool:
        """Validate and emit ``test.assertions_failed``: legal while the test is
        ``validating``.
        """
        return self.emit_with_validation(
            TestAssertionsFailedEvent(
                test_id=test_id, error_message=error_message, error_type=error_type
            )
        )

    def emit_test_execution_failed_with_validation(
        self,
        test_id: str,
        error_message: str,
        error_type: str | None = None,
        phase: str | None = None,
    ) -> bool:
        """Validate and emit ``test.execution_failed``: legal while the test is ``executing``,
        ``validated``, ``validating``.
        """
        return self.emit_with_validation(
            TestExecutionFailedEvent(
                test_id=test_id, error_message=error_message, error_type=error_type, phase=phase
            )
        )

    def emit_service_created_with_validation(
        self,
        service_id: str,
        service_name: str,
        service_type: str,
        implementation: str,
        config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``service.created``: moves the service to ``created``."""
        return self.emit_with_validation(
            ServiceCreatedEvent(
                service_id=service_id,
                service_name=service_name,
                service_type=service_type,
                implementation=implementation,
                config=config,
            )
        )

    def emit_service_preparation_started_with_validation(
        self, service_id: str, service_name: str, preparation_steps: list[str] | None = None
    ) -> bool:
        """Validate and emit ``service.preparation_started``: moves the service to
        ``preparing``.
        """
        return self.emit_with_validation(
            ServicePreparationStartedEvent(
                service_id=service_id,
                service_name=service_name,
                preparation_steps=preparation_steps,
            )
        )

    def emit_service_preparation_completed_with_validation(
        self,
        service_id: str,
        service_name: str,
        duration_seconds: float | None = None,
        artifacts: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``service.preparation_completed``: moves the service to
        ``prepared``.
        """
        return self.emit_with_validation(
            ServicePreparationCompletedEvent(
                service_id=service_id,
                service_name=service_name,
                duration_seconds=duration_seconds,
                artifacts=artifacts,
            )
        )

    def emit_service_preparation_failed_with_validation(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        failed_step: str | None = None,
    ) -> bool:
        """Validate and emit ``service.preparation_failed``: moves the service to ``failed``."""
        return self.emit_with_validation(
            ServicePreparationFailedEvent(
                service_id=service_id,
                service_name=service_name,
                error_message=error_message,
                error_type=error_type,
                failed_step=failed_step,
            )
        )

    def emit_service_deployment_started_with_validation(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        deployment_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``service.deployment_started``: moves the service to
        ``deploying``.
        """
        return self.emit_with_validation(
            ServiceDeploymentStartedEvent(
                service_id=service_id,
                service_name=service_name,
                environment=environment,
                deployment_config=deployment_config,
            )
        )

    def emit_service_deployment_completed_with_validation(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        endpoint: str | None = None,
        ports: list[int] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``service.deployment_completed``: moves the service to
        ``deployed``.
        """
        return self.emit_with_validation(
            ServiceDeploymentCompletedEvent(
                service_id=service_id,
                service_name=service_name,
                environment=environment,
                endpoint=endpoint,
                ports=ports,
                deployment_details=deployment_details,
            )
        )

    def emit_service_deployment_failed_with_validation(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        error_message: str,
        error_type: str | None = None,
    ) -> bool:
        """Validate and emit ``service.deployment_failed``: moves the service to ``failed``."""
        return self.emit_with_validation(
            ServiceDeploymentFailedEvent(
                service_id=service_id,
                service_name=service_name,
                environment=environment,
                error_message=error_message,
                error_type=error_type,
            )
        )

    def emit_service_started_with_validation(
        self,
        service_id: str,
        service_name: str,
        pid: int | None = None,
        start_time: float | None = None,
    ) -> bool:
        """Validate and emit ``service.started``: moves the service to ``running``."""
        return self.emit_with_validation(
            ServiceStartedEvent(
                service_id=service_id, service_name=service_name, pid=pid, start_time=start_time
            )
        )

    def emit_service_ready_with_validation(
        self, service_id: str, service_name: str, readiness_checks: list[str] | None = None
    ) -> bool:
        """Validate and emit ``service.ready``: moves the service to ``ready``."""
        return self.emit_with_validation(
            ServiceReadyEvent(
                service_id=service_id, service_name=service_name, readiness_checks=readiness_checks
            )
        )

    def emit_service_stopping_with_validation(
        self,
        service_id: str,
        service_name: str,
        reason: str | None = None,
        grace_period_seconds: float | None = None,
    ) -> bool:
        """Validate and emit ``service.stopping``: moves the service to ``stopping``."""
        return self.emit_with_validation(
            ServiceStoppingEvent(
                service_id=service_id,
                service_name=service_name,
                reason=reason,
                grace_period_seconds=grace_period_seconds,
            )
        )

    def emit_service_stopped_with_validation(
        self,
        service_id: str,
        service_name: str,
        exit_code: int | None = None,
        reason: str | None = None,
        uptime_seconds: float | None = None,
    ) -> bool:
        """Validate and emit ``service.stopped``: moves the service to ``stopped``."""
        return self.emit_with_validation(
            ServiceStoppedEvent(
                service_id=service_id,
                service_name=service_name,
                exit_code=exit_code,
                reason=reason,
                uptime_seconds=uptime_seconds,
            )
        )

    def emit_service_error_with_validation(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        error_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``service.error``: moves the service to ``failed``."""
        return self.emit_with_validation(
            ServiceErrorEvent(
                service_id=service_id,
                service_name=service_name,
                error_message=error_message,
                error_type=error_type,
                error_details=error_details,
            )
        )

    def emit_service_destroyed_with_validation(
        self, service_id: str, service_name: str, cleanup_details: dict[str, Any] | None = None
    ) -> bool:
        """Validate and emit ``service.destroyed``: moves the service to ``destroyed``."""
        return self.emit_with_validation(
            ServiceDestroyedEvent(
                service_id=service_id, service_name=service_name, cleanup_details=cleanup_details
            )
        )

    def emit_service_health_check_passed_with_validation(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        endpoint: str | None = None,
        response_time_ms: float | None = None,
    ) -> bool:
        """Validate and emit ``service.health_check_passed``: legal while the service is
        ``deployed``, ``ready``, ``running``.
        """
        return self.emit_with_validation(
            ServiceHealthCheckPassedEvent(
                service_id=service_id,
                service_name=service_name,
                check_type=check_type,
                endpoint=endpoint,
                response_time_ms=response_time_ms,
            )
        )

    def emit_service_health_check_failed_with_validation(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        error_message: str,
        endpoint: str | None = None,
        status_code: int | None = None,
    ) -> bool:
        """Validate and emit ``service.health_check_failed``: legal while the service is
        ``deployed``, ``ready``, ``running``.
        """
        return self.emit_with_validation(
            ServiceHealthCheckFailedEvent(
                service_id=service_id,
                service_name=service_name,
                check_type=check_type,
                error_message=error_message,
                endpoint=endpoint,
                status_code=status_code,
            )
        )

    def emit_environment_created_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.created``: moves the environment to ``created``."""
        return self.emit_with_validation(
            EnvironmentCreatedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                config=config,
            )
        )

    def emit_environment_setup_started_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        setup_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.setup_started``: moves the environment to
        ``setting_up``.
        """
        return self.emit_with_validation(
            EnvironmentSetupStartedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                setup_config=setup_config,
            )
        )

    def emit_network_setup_started_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        interfaces: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``environment.network.setup_started``: moves the environment to
        ``setting_up_network``.
        """
        return self.emit_with_validation(
            NetworkSetupStartedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                network_config=network_config,
                interfaces=interfaces,
            )
        )

    def emit_network_setup_completed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        allocated_resources: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> bool:
        """Validate and emit ``environment.network.setup_completed``: moves the environment to
        ``network_ready``.
        """
        return self.emit_with_validation(
            NetworkSetupCompletedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                network_config=network_config,
                allocated_resources=allocated_resources,
                duration=duration,
            )
        )

    def emit_network_setup_failed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        network_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.network.setup_failed``: moves the environment to
        ``failed``.
        """
        return self.emit_with_validation(
            NetworkSetupFailedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                error_message=error_message,
                network_config=network_config,
            )
        )

    def emit_environment_setup_completed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_allocated: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.setup_completed``: moves the environment to
        ``ready``.
        """
        return self.emit_with_validation(
            EnvironmentSetupCompletedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                duration=duration,
                resources_allocated=resources_allocated,
            )
        )

    def emit_environment_setup_failed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.setup_failed``: moves the environment to ``failed``."""
        return self.emit_with_validation(
            EnvironmentSetupFailedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                error_message=error_message,
                error_details=error_details,
            )
        )

    def emit_environment_teardown_started_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        teardown_reason: str = "test_completed",
    ) -> bool:
        """Validate and emit ``environment.teardown_started``: moves the environment to
        ``tearing_down``.
        """
        return self.emit_with_validation(
            EnvironmentTeardownStartedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                teardown_reason=teardown_reason,
            )
        )

    def emit_network_teardown_started_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        interfaces: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``environment.network.teardown_started``: moves the environment to
        ``tearing_down_network``.
        """
        return self.emit_with_validation(
            NetworkTeardownStartedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                interfaces=interfaces,
            )
        )

    def emit_network_teardown_completed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float | None = None,
        resources_released: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.network.teardown_completed``: moves the environment
        to ``network_torn_down``.
        """
        return self.emit_with_validation(
            NetworkTeardownCompletedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                duration=duration,
                resources_released=resources_released,
            )
        )

    def emit_environment_teardown_completed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_released: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.teardown_completed``: moves the environment to
        ``torn_down``.
        """
        return self.emit_with_validation(
            EnvironmentTeardownCompletedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                duration=duration,
                resources_released=resources_released,
            )
        )

    def emit_environment_teardown_failed_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``environment.teardown_failed``: moves the environment to
        ``failed``.
        """
        return self.emit_with_validation(
            EnvironmentTeardownFailedEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                error_message=error_message,
                error_details=error_details,
            )
        )

    def emit_environment_error_with_validation(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recovery_possible: bool = False,
    ) -> bool:
        """Validate and emit ``environment.error``: moves the environment to ``failed``."""
        return self.emit_with_validation(
            EnvironmentErrorEvent(
                environment_id=environment_id,
                environment_name=environment_name,
                environment_type=environment_type,
                error_message=error_message,
                error_type=error_type,
                error_details=error_details,
                recovery_possible=recovery_possible,
            )
        )

    def emit_plugin_loading_started_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str | None = None,
        loading_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``plugin.loading_started``: moves the plugin to ``loading``."""
        return self.emit_with_validation(
            PluginLoadingStartedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                plugin_path=plugin_path,
                loading_config=loading_config,
            )
        )

    def emit_plugin_loading_completed_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        duration: float | None = None,
        capabilities: list[str] | None = None,
        version: str | None = None,
    ) -> bool:
        """Validate and emit ``plugin.loading_completed``: moves the plugin to ``loaded``."""
        return self.emit_with_validation(
            PluginLoadingCompletedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                duration=duration,
                capabilities=capabilities,
                version=version,
            )
        )

    def emit_plugin_loaded_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str,
        metadata: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``plugin.loaded``: moves the plugin to ``loaded``."""
        return self.emit_with_validation(
            PluginLoadedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                plugin_path=plugin_path,
                metadata=metadata,
            )
        )

    def emit_plugin_loading_failed_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> bool:
        """Validate and emit ``plugin.loading_failed``: moves the plugin to ``failed``."""
        return self.emit_with_validation(
            PluginLoadingFailedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                error_message=error_message,
                error_details=error_details,
                duration=duration,
            )
        )

    def emit_plugin_initialized_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        initialization_config: dict[str, Any] | None = None,
        dependencies: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``plugin.initialized``: moves the plugin to ``initialized``."""
        return self.emit_with_validation(
            PluginInitializedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                initialization_config=initialization_config,
                dependencies=dependencies,
            )
        )

    def emit_plugin_started_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        startup_duration: float | None = None,
        startup_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``plugin.started``: moves the plugin to ``running``."""
        return self.emit_with_validation(
            PluginStartedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                startup_duration=startup_duration,
                startup_details=startup_details,
            )
        )

    def emit_plugin_stopped_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        stop_reason: str = "normal_shutdown",
        cleanup_duration: float | None = None,
        cleanup_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``plugin.stopped``: moves the plugin to ``stopped``."""
        return self.emit_with_validation(
            PluginStoppedEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                stop_reason=stop_reason,
                cleanup_duration=cleanup_duration,
                cleanup_details=cleanup_details,
            )
        )

    def emit_plugin_error_with_validation(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> bool:
        """Validate and emit ``plugin.error``: moves the plugin to ``failed``."""
        return self.emit_with_validation(
            PluginErrorEvent(
                plugin_id=plugin_id,
                plugin_name=plugin_name,
                plugin_type=plugin_type,
                error_message=error_message,
                error_type=error_type,
                error_details=error_details,
                recoverable=recoverable,
            )
        )

    def emit_step_execution_started_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        step_config: dict[str, Any] | None = None,
        prerequisites: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``step.execution_started``: moves the step to ``running``."""
        return self.emit_with_validation(
            StepExecutionStartedEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                step_config=step_config,
                prerequisites=prerequisites,
            )
        )

    def emit_step_execution_completed_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        duration: float | None = None,
        result: Any = None,
        output: str | None = None,
    ) -> bool:
        """Validate and emit ``step.execution_completed``: moves the step to ``completed``."""
        return self.emit_with_validation(
            StepExecutionCompletedEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                duration=duration,
                result=result,
                output=output,
            )
        )

    def emit_step_execution_failed_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
        retry_count: int = 0,
    ) -> bool:
        """Validate and emit ``step.execution_failed``: moves the step to ``failed``."""
        return self.emit_with_validation(
            StepExecutionFailedEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                error_message=error_message,
                error_details=error_details,
                duration=duration,
                retry_count=retry_count,
            )
        )

    def emit_step_skipped_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        skip_reason: str = "",
        skip_condition: str | None = None,
    ) -> bool:
        """Validate and emit ``step.skipped``: moves the step to ``skipped``."""
        return self.emit_with_validation(
            StepSkippedEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                skip_reason=skip_reason,
                skip_condition=skip_condition,
            )
        )

    def emit_step_unsupported_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        reason: str = "",
        alternative_steps: list[str] | None = None,
    ) -> bool:
        """Validate and emit ``step.unsupported``: moves the step to ``unsupported``."""
        return self.emit_with_validation(
            StepUnsupportedEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                reason=reason,
                alternative_steps=alternative_steps,
            )
        )

    def emit_step_progress_with_validation(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        progress_percentage: float | None = None,
        progress_message: str = "",
        current_operation: str | None = None,
    ) -> bool:
        """Validate and emit ``step.progress``: legal while the step is ``running``."""
        return self.emit_with_validation(
            StepProgressEvent(
                step_id=step_id,
                step_name=step_name,
                test_case_id=test_case_id,
                progress_percentage=progress_percentage,
                progress_message=progress_message,
                current_operation=current_operation,
            )
        )

    def emit_assertions_validation_started_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        total_assertions: int | None = None,
        validation_config: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``assertion.validation_started``: moves the assertion to
        ``validating``.
        """
        return self.emit_with_validation(
            AssertionsValidationStartedEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                total_assertions=total_assertions,
                validation_config=validation_config,
            )
        )

    def emit_assertions_validation_completed_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        duration: float | None = None,
        passed_count: int = 0,
        failed_count: int = 0,
        total_count: int = 0,
        summary: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``assertion.validation_completed``: moves the assertion to
        ``completed``.
        """
        return self.emit_with_validation(
            AssertionsValidationCompletedEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                duration=duration,
                passed_count=passed_count,
                failed_count=failed_count,
                total_count=total_count,
                summary=summary,
            )
        )

    def emit_assertion_error_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> bool:
        """Validate and emit ``assertion.error``: moves the assertion to ``failed``."""
        return self.emit_with_validation(
            AssertionErrorEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                error_message=error_message,
                error_type=error_type,
                error_details=error_details,
                recoverable=recoverable,
            )
        )

    def emit_assertion_unknown_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        reason: str = "",
        context: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``assertion.unknown``: moves the assertion to ``unknown``."""
        return self.emit_with_validation(
            AssertionUnknownEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                reason=reason,
                context=context,
            )
        )

    def emit_assertion_progress_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        current_assertion: str | None = None,
        total_assertions: int | None = None,
        progress_message: str = "",
    ) -> bool:
        """Validate and emit ``assertion.progress``: legal while the assertion is
        ``validating``.
        """
        return self.emit_with_validation(
            AssertionProgressEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                current_assertion=current_assertion,
                total_assertions=total_assertions,
                progress_message=progress_message,
            )
        )

    def emit_assertion_result_with_validation(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        assertion_passed: bool = False,
        expected_value: Any = None,
        actual_value: Any = None,
        assertion_message: str = "",
        assertion_details: dict[str, Any] | None = None,
    ) -> bool:
        """Validate and emit ``assertion.result``: legal while the assertion is ``pending``,
        ``validating``.
        """
        return self.emit_with_validation(
            AssertionResultEvent(
                assertion_id=assertion_id,
                assertion_name=assertion_name,
                test_case_id=test_case_id,
                step_id=step_id,
                assertion_passed=assertion_passed,
                expected_value=expected_value,
                actual_value=actual_value,
                assertion_message=assertion_message,
                assertion_details=assertion_details,
            )
        )
