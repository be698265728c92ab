//! The reference PoCo (npm `@iexec/poco`), deployed from the artifacts of its package: a test
//! oracle for Confide (same scenario, same bindings, views/hashes/balances compared, gas side
//! by side).
//!
//! What is deployed (token mode, as on Arbitrum):
//! - library `IexecLibOrders_v5`, linked into the facets that reference it;
//! - the eleven facets of [`TOKEN_FACETS`] — every function of `IexecInterfaceToken` except
//!   `renounceOwnership`, which no facet implements — and the three EIP-2535 facets of
//!   [`DIAMOND_FACETS`] (cut, loupe, ownership; their bytecode comes from the package's
//!   `deployments/arbitrum`, the only place the package ships them);
//! - PoCo's `Diamond` with one `Add` cut per facet and `DiamondArgs(owner, 0, "")`;
//! - the App/Dataset/Workerpool registries, `initialize`d with no previous registry;
//! - `configure(token, "Staked RLC", "SRLC", 9, registries, 0)` and the five default categories.
//!
//! Not deployed: `IexecEscrowNativeFacet` (native-coin escrow of the Bellecour sidechain; its
//! `deposit`/`withdraw`/`recover` selectors are the token escrow's) and the Boost facets
//! (`IexecPocoBoostFacet`, `IexecPocoBoostAccessorsFacet`: an alternative flow never deployed on
//! the token chains, outside `IexecInterfaceToken`).

use super::{
    Configuration, DeployError, Implementation, Module, Protocol, RLC_SUPPLY, configure,
    deploy_rlc, init_code, step,
};
use crate::artifacts::bindings::{IAppRegistry, IDiamond};
use crate::evm::Evm;
use alloy_json_abi::JsonAbi;
use alloy_primitives::{Address, Bytes, Selector, U256};
use alloy_sol_types::{SolCall, SolValue};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

/// The package version this deployer is written for.
pub const REFERENCE_POCO_VERSION: &str = "6.1.0";

/// The environment variable that names the extracted reference package.
pub const REFERENCE_POCO_ENV: &str = "CONFIDE_REFERENCE_POCO";

/// Where `scripts/reference-poco` extracts the package, relative to the repository root.
pub const REFERENCE_POCO_DIR: &str = "target/reference-poco/package";

/// The extracted reference package: `$CONFIDE_REFERENCE_POCO` when set, else
/// [`REFERENCE_POCO_DIR`] under the repository root `root`.
pub fn reference_package_dir(root: &Path) -> PathBuf {
    std::env::var_os(REFERENCE_POCO_ENV)
        .map_or_else(|| root.join(REFERENCE_POCO_DIR), PathBuf::from)
}

/// The PoCo facets of a token-mode deployment, in routing order.
pub const TOKEN_FACETS: [&str; 11] = [
    "IexecAccessorsABILegacyFacet",
    "IexecCategoryManagerFacet",
    "IexecConfigurationExtraFacet",
    "IexecConfigurationFacet",
    "IexecERC20Facet",
    "IexecEscrowTokenFacet",
    "IexecOrderManagementFacet",
    "IexecPoco1Facet",
    "IexecPoco2Facet",
    "IexecPocoAccessorsFacet",
    "IexecRelayFacet",
];

/// The standard EIP-2535 facets (from `deployments/arbitrum`), routed after [`TOKEN_FACETS`].
pub const DIAMOND_FACETS: [&str; 3] = ["DiamondCutFacet", "DiamondLoupeFacet", "OwnershipFacet"];

const LIBRARY: &str = "IexecLibOrders_v5";
const REGISTRIES: [&str; 3] = ["AppRegistry", "DatasetRegistry", "WorkerpoolRegistry"];
const FACET_CUT_ADD: u8 = 0;

/// An extracted `@iexec/poco` package (the directory holding its `package.json`).
#[derive(Debug, Clone)]
pub struct ReferencePackage {
    dir: PathBuf,
    /// Contract name → artifact path under `artifacts/contracts` (`None` when ambiguous).
    artifacts: HashMap<String, Option<PathBuf>>,
}

/// A Hardhat artifact: ABI, unlinked creation code and where libraries go.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HardhatArtifact {
    abi: JsonAbi,
    bytecode: String,
    #[serde(default)]
    link_references: BTreeMap<String, BTreeMap<String, Vec<LinkReference>>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct LinkReference {
    start: usize,
    length: usize,
}

#[derive(Deserialize)]
struct PackageJson {
    name: String,
    version: String,
}

impl ReferencePackage {
    /// Opens the package at `dir`, checking it is `@iexec/poco` [`REFERENCE_POCO_VERSION`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, DeployError> {
        let dir = dir.into();
        let manifest: PackageJson = read_json(&dir.join("package.json"))?;
        if manifest.name != "@iexec/poco" || manifest.version != REFERENCE_POCO_VERSION {
            return Err(DeployError::Package(format!(
                "{} is {}@{}, expected @iexec/poco@{REFERENCE_POCO_VERSION}",
                dir.display(),
                manifest.name,
                manifest.version
            )));
        }
        let mut artifacts = HashMap::new();
        index_artifacts(&dir.join("artifacts/contracts"), &mut artifacts)?;
        Ok(Self { dir, artifacts })
    }

    /// The package directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn artifact(&self, name: &str) -> Result<HardhatArtifact, DeployError> {
        match self.artifacts.get(name) {
            Some(Some(path)) => read_json(path),
            Some(None) => Err(DeployError::Package(format!(
                "several artifacts are named {name}"
            ))),
            None => Err(DeployError::Package(format!("no artifact named {name}"))),
        }
    }

    /// A contract of `deployments/arbitrum` (hardhat-deploy records: ABI and creation code).
    fn deployed_artifact(&self, name: &str) -> Result<HardhatArtifact, DeployError> {
        read_json(
            &self
                .dir
                .join("deployments/arbitrum")
                .join(format!("{name}.json")),
        )
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DeployError> {
    let text = fs::read_to_string(path).map_err(|source| DeployError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| DeployError::Package(format!("{}: {e}", path.display())))
}

fn index_artifacts(
    dir: &Path,
    out: &mut HashMap<String, Option<PathBuf>>,
) -> Result<(), DeployError> {
    let entries = fs::read_dir(dir).map_err(|source| DeployError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| DeployError::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.is_dir() {
            index_artifacts(&path, out)?;
            continue;
        }
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(name) = file.strip_suffix(".json") else {
            continue;
        };
        if name.ends_with(".dbg") {
            continue;
        }
        out.entry(name.to_owned())
            .and_modify(|existing| *existing = None)
            .or_insert(Some(path));
    }
    Ok(())
}

impl HardhatArtifact {
    /// The creation code with every library placeholder replaced by its address.
    fn link(&self, name: &str, libraries: &HashMap<&str, Address>) -> Result<Bytes, DeployError> {
        let hex = self.bytecode.strip_prefix("0x").unwrap_or(&self.bytecode);
        let mut hex = hex.to_owned();
        for references in self.link_references.values() {
            for (library, places) in references {
                let address = libraries.get(library.as_str()).ok_or_else(|| {
                    DeployError::Package(format!("{name} needs library {library}, not deployed"))
                })?;
                let address_hex = alloy_primitives::hex::encode(address);
                for place in places {
                    let range = place.start * 2..(place.start + place.length) * 2;
                    if place.length != 20 || hex.get(range.clone()).is_none() {
                        return Err(DeployError::Package(format!(
                            "{name}: bad link reference to {library}"
                        )));
                    }
                    hex.replace_range(range, &address_hex);
                }
            }
        }
        hex.parse::<Bytes>().map_err(|e| {
            DeployError::Package(format!("{name}: bytecode is not hex once linked ({e})"))
        })
    }
}

/// Deploys the reference PoCo from `package` with a fresh `RLC` token (Confide's artifact), and
/// configures it. See the [module documentation](self).
pub fn deploy_reference_poco(
    evm: &mut Evm,
    owner: Address,
    package: &Path,
) -> Result<Protocol, DeployError> {
    let token = deploy_rlc(evm, owner, U256::from(RLC_SUPPLY))?;
    deploy_reference_poco_with_token(evm, owner, package, token)
}

/// Deploys the reference PoCo from `package` over an existing RLC-like `token` (a 9-decimal
/// ERC-20), and configures it. See the [module documentation](self).
pub fn deploy_reference_poco_with_token(
    evm: &mut Evm,
    owner: Address,
    package: &Path,
    token: Address,
) -> Result<Protocol, DeployError> {
    let package = ReferencePackage::open(package)?;

    let library = package.artifact(LIBRARY)?.link(LIBRARY, &HashMap::new())?;
    let library = step(format!("deploy {LIBRARY}"), evm.deploy(owner, library))?;
    let libraries = HashMap::from([(LIBRARY, library)]);

    let mut facets = Vec::new();
    for name in TOKEN_FACETS {
        facets.push((name, package.artifact(name)?));
    }
    for name in DIAMOND_FACETS {
        facets.push((name, package.deployed_artifact(name)?));
    }
    let mut modules: Vec<Module> = Vec::new();
    for (name, artifact) in facets {
        let code = artifact.link(name, &libraries)?;
        let code = init_code(name, &code, artifact.abi.constructor.as_ref(), "", &[])?;
        let address = step(format!("deploy {name}"), evm.deploy(owner, code))?;
        let (selectors, shadowed) = crate::artifacts::selectors(&artifact.abi)
            .into_iter()
            .partition::<Vec<Selector>, _>(|s| !modules.iter().any(|m| m.selectors.contains(s)));
        modules.push(Module {
            name: name.to_owned(),
            address,
            selectors,
            shadowed,
        });
    }

    let cuts: Vec<IDiamond::FacetCut> = modules
        .iter()
        .filter(|m| !m.selectors.is_empty())
        .map(|m| IDiamond::FacetCut {
            facetAddress: m.address,
            action: FACET_CUT_ADD,
            functionSelectors: m.selectors.clone(),
        })
        .collect();
    let args = IDiamond::DiamondArgs {
        owner,
        init: Address::ZERO,
        initCalldata: Bytes::new(),
    };
    let diamond = package.artifact("Diamond")?;
    let code = init_code(
        "Diamond",
        &diamond.link("Diamond", &libraries)?,
        diamond.abi.constructor.as_ref(),
        "(address,uint8,bytes4[])[],(address,address,bytes)",
        &(cuts, args).abi_encode_params(),
    )?;
    let address = step("deploy Diamond", evm.deploy(owner, code))?;

    let mut registries = [Address::ZERO; 3];
    for (slot, name) in registries.iter_mut().zip(REGISTRIES) {
        let artifact = package.artifact(name)?;
        let code = artifact.link(name, &libraries)?;
        let code = init_code(name, &code, artifact.abi.constructor.as_ref(), "", &[])?;
        *slot = step(format!("deploy {name}"), evm.deploy(owner, code))?;
        let initialize = IAppRegistry::initializeCall {
            previous: Address::ZERO,
        };
        step(
            format!("{name}.initialize"),
            evm.transact(owner, *slot, initialize.abi_encode())
                .and_then(|o| o.ok()),
        )?;
    }
    let [app_registry, dataset_registry, workerpool_registry] = registries;
    let config = Configuration {
        token,
        app_registry,
        dataset_registry,
        workerpool_registry,
    };
    configure(evm, owner, address, config)?;

    Ok(Protocol {
        implementation: Implementation::ReferencePoco,
        address,
        owner,
        token,
        app_registry,
        dataset_registry,
        workerpool_registry,
        data_protector: None,
        modules,
    })
}
