from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = "Lessons and live demos"

    def ready(self) -> None:
        from agents import set_tracing_disabled

        # The SDK would send every run's trace (learners' prompts included) to OpenAI's
        # dashboard; the demos show their events in the page instead.
        set_tracing_disabled(True)
