using System.Text.Json;
using Bulwark.Torch.Serialization;

namespace Bulwark.Torch.Optim;

/// <summary>
/// A snapshot of an optimizer (see <see cref="Optimizer.StateDict"/>): the optimizer's type name, each parameter
/// group's settings, and named state tensors (<c>state.0.exp_avg</c>, <c>state.0.step</c>, …). It owns its tensors;
/// disposing it frees them. <see cref="Save"/> and <see cref="Load"/> keep it in a safetensors file, the settings
/// as JSON in the metadata, so a checkpoint resumes exactly.
/// </summary>
public sealed class OptimizerStateDict : IDisposable
{
    /// <summary>Metadata key of the optimizer's type name in a saved file.</summary>
    public const string OptimizerKey = "bulwark.optimizer";

    /// <summary>Metadata key of the parameter groups (JSON) in a saved file.</summary>
    public const string ParameterGroupsKey = "bulwark.param_groups";

    public OptimizerStateDict(string optimizer, IReadOnlyList<ParameterGroupState> parameterGroups, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(optimizer);
        ArgumentNullException.ThrowIfNull(parameterGroups);
        ArgumentNullException.ThrowIfNull(tensors);
        Optimizer = optimizer;
        ParameterGroups = parameterGroups;
        Tensors = tensors;
    }

    /// <summary>The optimizer's type name (<c>Adam</c>, <c>SGD</c>, <c>RMSprop</c>).</summary>
    public string Optimizer { get; }

    public IReadOnlyList<ParameterGroupState> ParameterGroups { get; }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The parameter groups as JSON, each options record tagged with its type.</summary>
    public string ParameterGroupsToJson() => JsonSerializer.Serialize(ParameterGroups);

    /// <summary>Writes the snapshot to a safetensors file (atomically; see <see cref="SafeTensors.Save"/>).</summary>
    public void Save(string path) =>
        SafeTensors.Save(path, Tensors, new Dictionary<string, string>
        {
            [OptimizerKey] = Optimizer,
            [ParameterGroupsKey] = ParameterGroupsToJson(),
        });

    /// <summary>Reads a snapshot written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt or holds no optimizer state; the message names the file.</exception>
    public static OptimizerStateDict Load(string path)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        try
        {
            if (!metadata.TryGetValue(OptimizerKey, out var optimizer) || !metadata.TryGetValue(ParameterGroupsKey, out var json))
            {
                throw new InvalidDataException($"'{path}' holds no optimizer state: its metadata lacks '{OptimizerKey}' or '{ParameterGroupsKey}'");
            }

            List<ParameterGroupState>? groups;
            try
            {
                groups = JsonSerializer.Deserialize<List<ParameterGroupState>>(json);
            }
            catch (Exception error) when (error is JsonException or NotSupportedException or ArgumentException)
            {
                throw new InvalidDataException($"'{path}' holds unreadable optimizer settings: {error.Message}", error);
            }

            if (groups is null || groups.Any(g => g?.Options is null))
            {
                throw new InvalidDataException($"'{path}' holds incomplete optimizer settings");
            }

            return new OptimizerStateDict(optimizer, groups, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
