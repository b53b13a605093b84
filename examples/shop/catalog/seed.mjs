// The products a fresh catalog starts with. Prices are in cents.
export const seedProducts = [
  { id: 'kettle', name: 'Enamel kettle', price: 3400, stock: 12 },
  { id: 'mug', name: 'Stoneware mug', price: 1250, stock: 40 },
  { id: 'grinder', name: 'Hand coffee grinder', price: 5900, stock: 6 },
  { id: 'filter', name: 'Paper filters (100)', price: 450, stock: 200 },
  { id: 'scale', name: 'Kitchen scale', price: 2600, stock: 9 },
  { id: 'tin', name: 'Coffee tin', price: 1800, stock: 25 },
];
