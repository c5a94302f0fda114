package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import org.junit.jupiter.api.Test;

class AnsweredTasksTest {

    private static ResultEnvelope answer(String id, int payloadBytes) {
        return ResultEnvelope.success(id, "agent-1", Payload.wrap(new byte[payloadBytes]));
    }

    @Test
    void keepsAtMostMaxWeightOverEntryCostAnswersAndForgetsTheOldestFirst() {
        AnsweredTasks answered = new AnsweredTasks(10 * 100, 100);
        for (int i = 0; i < 25; i++) {
            answered.put("t" + i + "#1", answer("t" + i, 0));
        }
        assertThat(answered.size()).isEqualTo(10);
        assertThat(answered.weight()).isEqualTo(1_000);
        assertThat(answered.get("t14#1")).isNull();
        assertThat(answered.get("t15#1")).isNotNull();
        assertThat(answered.get("t24#1").taskId()).isEqualTo("t24");
    }

    @Test
    void weighsPayloadBytesSoThatLargeAnswersPushOutOldOnesWithinTheByteBound() {
        AnsweredTasks answered = new AnsweredTasks(10_000, 100);
        for (int i = 0; i < 10; i++) {
            answered.put("small" + i, answer("small" + i, 0));
        }
        answered.put("big", answer("big", 8_950));
        // 8,950 + 100 for the big one leaves room for 9 small ones of 100: the oldest went.
        assertThat(answered.weight()).isEqualTo(9_950).isLessThanOrEqualTo(10_000);
        assertThat(answered.get("small0")).isNull();
        assertThat(answered.get("small1")).isNotNull();
        assertThat(answered.get("big")).isNotNull();
    }

    @Test
    void anAnswerHeavierThanTheWholeBoundIsNotKept() {
        AnsweredTasks answered = new AnsweredTasks(1_000, 100);
        answered.put("a", answer("a", 0));
        answered.put("huge", answer("huge", 5_000));
        assertThat(answered.size()).isZero();
        assertThat(answered.weight()).isZero();
    }

    @Test
    void rememberingTheSameTaskAgainCountsItOnce() {
        AnsweredTasks answered = new AnsweredTasks(1_000, 100);
        answered.put("a", answer("a", 50));
        answered.put("a", answer("a", 20));
        assertThat(answered.size()).isEqualTo(1);
        assertThat(answered.weight()).isEqualTo(120);
    }
}
