package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnsweredTasksTest {

    @Test
    void remembersUpToItsCapacityAndForgetsTheOldestAnswerFirst() {
        AnsweredTasks answered = new AnsweredTasks(3);
        for (int i = 1; i <= 5; i++) {
            answered.add("task-" + i + "#1");
        }
        assertThat(answered.size()).isEqualTo(3);
        assertThat(answered.contains("task-1#1")).isFalse();
        assertThat(answered.contains("task-2#1")).isFalse();
        assertThat(answered.contains("task-3#1")).isTrue();
        assertThat(answered.contains("task-5#1")).isTrue();
    }

    @Test
    void anAttemptIsItsOwnEntry() {
        AnsweredTasks answered = new AnsweredTasks(16);
        answered.add("task-1#1");
        assertThat(answered.contains("task-1#1")).isTrue();
        assertThat(answered.contains("task-1#2")).isFalse();
    }

    @Test
    void refusesACapacityBelowOne() {
        assertThatThrownBy(() -> new AnsweredTasks(0)).hasMessage("capacity must be >= 1, but was 0");
    }
}
