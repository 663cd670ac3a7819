namespace Bulwark.Data.Tests;

public sealed class DatasetCatalogTests
{
    [Fact]
    public void Should_load_the_first_samples_When_a_limit_is_given()
    {
        using var folder = new TempFolder();
        Formats.WriteMnistLayout(Path.Combine(folder.Path, FashionMnist.FolderName), trainCount: 12, testCount: 4);

        using var limited = DatasetCatalog.Load("Fashion_MNIST", folder.Path, train: true, limit: 5);
        using var whole = DatasetCatalog.Load("fashion-mnist", folder.Path, train: false, limit: 100);

        limited.Count.ShouldBe(5);
        limited.GetLabels().ShouldBe([0L, 1L, 2L, 3L, 4L]);
        limited.ClassNames.ShouldBe(FashionMnist.ClassNames);
        whole.Count.ShouldBe(4);
    }

    [Fact]
    public void Should_list_the_known_names_When_the_name_is_unknown()
    {
        var error = Should.Throw<ArgumentException>(() => DatasetCatalog.Load("svhn", "/nowhere", train: true));

        error.Message.ShouldContain("mnist, fashion-mnist, cifar10, cifar100");
    }
}
