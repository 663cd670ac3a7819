using Bulwark.Attacks;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bulwark.Evaluation.Tests;

public sealed class JsonTests
{
    [Fact]
    public void Should_write_snake_case_names_When_serialised_without_options()
    {
        // Given
        var gnr = new GaussianNoiseRobustness(0.9, [0, 0.5], [1, 0.8], 1, 0, 10);
        var curve = new RobustAccuracyCurve([0.1], [0.5], [null], 3, 4);

        // When
        var gnrJson = JsonNode.Parse(JsonSerializer.Serialize(gnr))!.AsObject();
        var curveJson = JsonNode.Parse(JsonSerializer.Serialize(curve))!.AsObject();

        // Then
        gnrJson.Select(p => p.Key).ShouldBe(["gnr", "sigmas", "agreement", "input_range", "seed", "total"], ignoreOrder: true);
        curveJson.Select(p => p.Key).ShouldBe(["epsilons", "robust_accuracy", "success_rate", "correct", "total", "clean_accuracy"], ignoreOrder: true);
        curveJson["success_rate"]![0].ShouldBeNull();
        curveJson["clean_accuracy"]!.GetValue<double>().ShouldBe(0.75);
    }

    [Fact]
    public void Should_write_the_distribution_as_a_lowercase_string_When_serialising_noise_accuracy()
    {
        // Given
        var noise = new NoiseAccuracy(NoiseDistribution.Uniform, [0.1], [0.9], [0.8], 0.95, 0, 20);

        // When
        var json = JsonNode.Parse(JsonSerializer.Serialize(noise))!.AsObject();

        // Then
        json["distribution"]!.GetValue<string>().ShouldBe("uniform");
        json["unclipped_accuracy"]![0]!.GetValue<double>().ShouldBe(0.8);
    }

    [Fact]
    public void Should_leave_per_sample_values_out_When_serialising_a_jacobian_norm()
    {
        // Given
        var jacobian = new JacobianNorm(2.5, 2, [2, 3]);

        // When
        var json = JsonNode.Parse(MetricsJson.Serialize(jacobian))!.AsObject();

        // Then
        json.Select(p => p.Key).ShouldBe(["mean_frobenius_norm", "count"], ignoreOrder: true);
    }

    [Fact]
    public void Should_read_back_what_it_wrote_When_round_tripping_through_metrics_json()
    {
        // Given
        var rho = new RhoAdv("l2", null, 0.25, 0, 3, 4);
        var statistics = new MinimumNormStatistics(2, 0.5, 0.4);
        var gnr = new GaussianNoiseRobustness(0.9, [0, 0.5], [1, 0.8], 2, 7, 10);

        // When
        var rhoBack = MetricsJson.Deserialize<RhoAdv>(MetricsJson.Serialize(rho));
        var statisticsBack = MetricsJson.Deserialize<MinimumNormStatistics>(MetricsJson.Serialize(statistics));
        var gnrBack = MetricsJson.Deserialize<GaussianNoiseRobustness>(MetricsJson.Serialize(gnr));

        // Then
        rhoBack.ShouldBe(rho);
        statisticsBack.ShouldBe(statistics);
        gnrBack.Gnr.ShouldBe(0.9);
        gnrBack.Agreement.ShouldBe([1, 0.8]);
        gnrBack.Seed.ShouldBe(7UL);
        MetricsJson.Serialize(statistics).ShouldContain("\"mean_norm\": 0.5");
    }
}
