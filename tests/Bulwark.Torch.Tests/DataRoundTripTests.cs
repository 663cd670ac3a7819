using System.Buffers.Binary;

namespace Bulwark.Torch.Tests;

/// <summary>Data in and out of libtorch: every dtype, arrays and raw bytes, without a change of a bit.</summary>
public sealed class DataRoundTripTests
{
    [Fact]
    public void Should_return_the_same_float32_values_When_round_tripped_through_an_array()
    {
        // Given: extremes, a subnormal, infinities and negative zero
        using var scope = TensorScope.Begin();
        float[] data = [float.MaxValue, float.MinValue, float.Epsilon, -0f, 1.5f, float.PositiveInfinity, float.NegativeInfinity];

        // When
        var tensor = Torch.FromArray(data, data.Length);

        // Then
        tensor.DType.ShouldBe(DType.Float32);
        tensor.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ShouldBe(data.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Should_return_the_same_float64_values_When_round_tripped_through_an_array()
    {
        // Given
        using var scope = TensorScope.Begin();
        double[] data = [double.MaxValue, double.Epsilon, -0.0, Math.PI, double.NaN, -1e-300];

        // When
        var tensor = Torch.FromArray(data, 2, 3);

        // Then
        tensor.DType.ShouldBe(DType.Float64);
        tensor.Shape.ShouldBe([2L, 3L]);
        tensor.ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ShouldBe(data.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Should_return_the_same_integers_When_int64_int32_and_uint8_are_round_tripped()
    {
        // Given
        using var scope = TensorScope.Begin();
        long[] longs = [long.MinValue, -1, 0, long.MaxValue];
        int[] ints = [int.MinValue, -7, 0, int.MaxValue];
        byte[] bytes = [0, 1, 127, 128, 255, 42];

        // When
        var longTensor = Torch.FromArray(longs, 2, 2);
        var intTensor = Torch.TensorOf(ints);
        var byteTensor = Torch.FromArray(bytes, 3, 2);

        // Then
        longTensor.DType.ShouldBe(DType.Int64);
        longTensor.ToArray<long>().ShouldBe(longs);
        intTensor.DType.ShouldBe(DType.Int32);
        intTensor.ToArray<int>().ShouldBe(ints);
        byteTensor.DType.ShouldBe(DType.UInt8);
        byteTensor.ToArray<byte>().ShouldBe(bytes);
    }

    [Fact]
    public void Should_return_the_same_flags_When_bool_is_round_tripped()
    {
        // Given
        using var scope = TensorScope.Begin();
        bool[] flags = [true, false, false, true, true];

        // When
        var tensor = Torch.TensorOf(flags);

        // Then
        tensor.DType.ShouldBe(DType.Bool);
        tensor.ToArray<bool>().ShouldBe(flags);
        tensor.ToBytes().ShouldBe(new byte[] { 1, 0, 0, 1, 1 });
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Bool)]
    public void Should_return_the_same_bytes_When_round_tripped_through_raw_bytes(DType dtype)
    {
        // Given: six elements' worth of bytes that are valid for the dtype
        using var scope = TensorScope.Begin();
        var size = dtype.ElementSize();
        var bytes = Enumerable.Range(0, 6 * size).Select(i => dtype == DType.Bool ? (byte)(i % 2) : (byte)(i * 37 + 11)).ToArray();

        // When
        var tensor = Torch.FromBytes(bytes, dtype, 2, 3);

        // Then
        tensor.DType.ShouldBe(dtype);
        tensor.Shape.ShouldBe([2L, 3L]);
        tensor.ToBytes().ShouldBe(bytes);
    }

    [Fact]
    public void Should_lay_elements_out_little_endian_When_read_as_bytes()
    {
        // Given
        using var scope = TensorScope.Begin();
        var tensor = Torch.TensorOf(1.5f, -2f);

        // When
        var bytes = tensor.ToBytes();

        // Then
        bytes.Length.ShouldBe(8);
        BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(0, 4)).ShouldBe(1.5f);
        BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4, 4)).ShouldBe(-2f);
    }

    [Fact]
    public void Should_read_in_row_major_order_When_the_tensor_is_a_non_contiguous_view()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);

        // When
        var transposed = x.T.ToArray<long>();
        var column = x.Select(1, 1).ToArray<long>();

        // Then
        transposed.ShouldBe([1L, 4L, 2L, 5L, 3L, 6L]);
        column.ShouldBe([2L, 5L]);
    }

    [Fact]
    public void Should_convert_values_When_changing_dtype()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { -1.7, 0.2, 2.9 }, 3);

        // When / Then: conversion to integers truncates toward zero, as in C
        x.Long().ToArray<long>().ShouldBe([-1L, 0L, 2L]);
        x.Float().ToArray<float>().ShouldBe([-1.7f, 0.2f, 2.9f]);
        x.To(DType.Bool).ToArray<bool>().ShouldBe([true, true, true]);
        Torch.TensorOf(3, 4).Double().ToArray<double>().ShouldBe([3.0, 4.0]);
    }

    [Fact]
    public void Should_hold_no_elements_When_a_dimension_is_zero()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var empty = Torch.FromArray(Array.Empty<float>(), 0, 3);

        // Then
        empty.NumberOfElements.ShouldBe(0);
        empty.Shape.ShouldBe([0L, 3L]);
        empty.ToArray<float>().ShouldBeEmpty();
        empty.ToBytes().ShouldBeEmpty();
    }

    [Fact]
    public void Should_read_single_values_When_a_tensor_holds_one_element()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When / Then
        Torch.Scalar(2.5, DType.Float64).ToDouble().ShouldBe(2.5);
        Torch.Scalar(2.5).ToSingle().ShouldBe(2.5f);
        Torch.TensorOf(42L).ToInt64().ShouldBe(42);
        Torch.TensorOf(true).ToBoolean().ShouldBeTrue();
        Torch.TensorOf(false).ToBoolean().ShouldBeFalse();
        Torch.Scalar(0.5).ToBoolean().ShouldBeTrue();
        Torch.Scalar(0).ToBoolean().ShouldBeFalse();
        Torch.Scalar(-7, DType.Int32).ToInt64().ShouldBe(-7);
    }
}
