"""cocotb verification of the generated Verilog, and helpers shared by tests."""
