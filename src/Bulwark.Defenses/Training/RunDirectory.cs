using System.Text.Json;
using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;
using Bulwark.Torch.Serialization;

namespace Bulwark.Defenses.Training;

/// <summary>
/// A run's folder: <c>config.json</c>, <c>model.json</c> (the model spec), <c>metrics.jsonl</c>,
/// <c>best.safetensors</c> (best-validation weights), and the last checkpoint (<c>checkpoint.safetensors</c>,
/// <c>optimizer.safetensors</c>, <c>checkpoint.json</c>) for resuming. Every write is atomic.
/// </summary>
public sealed class RunDirectory
{
    // A diverged epoch has a NaN loss; it is written as the string "NaN" rather than breaking the file.
    private static readonly JsonSerializerOptions MetricsJson = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions CheckpointJson = new(MetricsJson) { WriteIndented = true };

    public RunDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public string ConfigFile => Combine("config.json");

    public string ModelSpecFile => Combine("model.json");

    public string MetricsFile => Combine("metrics.jsonl");

    public string BestWeightsFile => Combine("best.safetensors");

    public string CheckpointWeightsFile => Combine("checkpoint.safetensors");

    public string CheckpointOptimizerFile => Combine("optimizer.safetensors");

    public string CheckpointStateFile => Combine("checkpoint.json");

    public bool HasCheckpoint => File.Exists(CheckpointStateFile);

    public bool HasModel => File.Exists(ModelSpecFile) && File.Exists(BestWeightsFile);

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Create() => Directory.CreateDirectory(Path);

    /// <summary>
    /// Holds the run for this trainer until disposed (<c>.lock</c> in the folder, locked by the operating system, so a
    /// killed process leaves no stale lock). A second trainer on the same folder, in this process or another, gets a
    /// clear error instead of both writing its checkpoints.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another trainer holds the run.</exception>
    public IDisposable Lock() =>
        TryHold(".lock") ?? throw new InvalidOperationException(
            $"{Path} is being trained by another process (it holds {Combine(".lock")}); wait for it to finish or choose another --out");

    /// <summary>Whether a trainer holds the run now (<see cref="Lock"/>), in this process or another.</summary>
    public bool IsLocked
    {
        get
        {
            using var probe = TryHold(".lock");
            return probe is null;
        }
    }

    /// <summary>
    /// Claims the run for one process's whole use of it, training and measuring (<c>.claim</c> in the folder, held like
    /// <see cref="Lock"/>), or null when another holder has it: how several processes share the runs of one experiment.
    /// Independent of <see cref="Lock"/>, which the trainer takes inside a claim.
    /// </summary>
    public IDisposable? TryClaim() => TryHold(".claim");

    private RunLock? TryHold(string name)
    {
        Create();
        var file = Combine(name);
        try
        {
            return new RunLock(new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), file);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class RunLock(FileStream stream, string file) : IDisposable
    {
        public void Dispose()
        {
            // removed while still held: a trainer that opens the name meanwhile gets a new file and its own lock
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            stream.Dispose();
        }
    }

    public void WriteModelSpec(ModelSpec spec) => AtomicFile.WriteAllText(ModelSpecFile, spec.ToJson());

    public ModelSpec ReadModelSpec()
    {
        if (!File.Exists(ModelSpecFile))
        {
            throw new FileNotFoundException($"'{Path}' is not a run directory: {ModelSpecFile} is missing", ModelSpecFile);
        }

        return ModelSpec.FromJson(File.ReadAllText(ModelSpecFile), ModelSpecFile);
    }

    public void WriteConfig<T>(T config) =>
        AtomicFile.WriteAllText(ConfigFile, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Saves a module's state dict as safetensors, with its spec in the metadata.</summary>
    public static void SaveWeights(string file, Module model, ModelSpec spec) =>
        SafeTensors.Save(file, model.StateDict(), new Dictionary<string, string> { ["bulwark.model"] = spec.ToJson() });

    /// <summary>Builds the model from model.json and loads the best weights.</summary>
    public Sequential LoadBestModel()
    {
        var spec = ReadModelSpec();
        var model = ModelZoo.Create(spec);
        try
        {
            LoadWeights(BestWeightsFile, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    public static void LoadWeights(string file, Module model)
    {
        var tensors = SafeTensors.Load(file);
        try
        {
            model.LoadStateDict(tensors);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Writes checkpoint.json (atomic: a reader sees the old state or the new one, never a mixture).</summary>
    public void WriteCheckpointState(CheckpointState state) =>
        AtomicFile.WriteAllText(CheckpointStateFile, JsonSerializer.Serialize(state, CheckpointJson));

    /// <summary>The state checkpoint.json records, or null when the run has no checkpoint yet.</summary>
    /// <exception cref="InvalidDataException">checkpoint.json is empty or not a checkpoint; the message names the file.</exception>
    public CheckpointState? ReadCheckpointState()
    {
        if (!HasCheckpoint)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(CheckpointStateFile), CheckpointJson)
                ?? throw new InvalidDataException($"{CheckpointStateFile}: empty checkpoint");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{CheckpointStateFile}: corrupt checkpoint ({e.Message})", e);
        }
    }

    /// <summary>Rewrites metrics.jsonl with the given lines (atomic; used after a resume truncates history).</summary>
    public void WriteMetrics(IEnumerable<EpochMetrics> history) =>
        AtomicFile.WriteAllText(MetricsFile, string.Concat(history.Select(m => JsonSerializer.Serialize(m, MetricsJson) + "\n")));

    /// <summary>The metrics of every recorded epoch, in order; none when metrics.jsonl does not exist yet.</summary>
    /// <exception cref="InvalidDataException">A line is not a metrics record; the message names the file and the line.</exception>
    public List<EpochMetrics> ReadMetrics()
    {
        if (!File.Exists(MetricsFile))
        {
            return [];
        }

        var history = new List<EpochMetrics>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(MetricsFile))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                history.Add(JsonSerializer.Deserialize<EpochMetrics>(line, MetricsJson)
                    ?? throw new InvalidDataException($"{MetricsFile}: line {lineNumber} is null, not a metrics record"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{MetricsFile}: line {lineNumber} is not a metrics record ({e.Message})", e);
            }
        }

        return history;
    }
}
